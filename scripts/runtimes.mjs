// Finds Bun and Deno, installing each once from the npm registry (the official binaries of the
// packages `bun` and `deno`) into a cache directory, and prints where each binary is, as JSON:
// {"bun":{"path":"…","version":"1.2.3"},"deno":{…}}. Usage: node scripts/runtimes.mjs bun deno
//
// COMET_BUN / COMET_DENO name a binary to use as it is (CI sets them once for the whole run). The
// cache is $COMET_RUNTIME_CACHE, else $XDG_CACHE_HOME/comet-bridge-runtimes, else
// ~/.cache/comet-bridge-runtimes, one directory per runtime. Exits 1, saying why, when a runtime
// cannot be found or installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The major line of each runtime installed, and where each package puts its binary. */
const RUNTIMES = {
  bun: {
    spec: 'bun@1',
    env: 'COMET_BUN',
    // the package's install script moves the platform package's binary to bin/bun.exe
    names: ['bun.exe', 'bun'],
  },
  deno: {
    spec: 'deno@2',
    env: 'COMET_DENO',
    names: ['deno', 'deno.exe'],
  },
};

const cache = process.env.COMET_RUNTIME_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'comet-bridge-runtimes');

/** The version a binary reports (`bun --version`: `1.2.3`; `deno --version`: `deno 2.3.4 (…)`), or null when it does not run. */
function versionOf(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) return null;
  return /(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] ?? null;
}

/** Executable files named one of `names` under `dir` (node_modules of a prefix), at most 4 levels down. */
function binariesUnder(dir, names, depth = 4) {
  if (depth < 0 || !existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== '.bin') found.push(...binariesUnder(path, names, depth - 1));
    else if (entry.isFile() && names.includes(entry.name) && (statSync(path).mode & 0o111) !== 0) found.push(path);
  }
  return found;
}

/** The first binary of `runtime` under `prefix` that runs. */
function installed(runtime, prefix) {
  for (const path of binariesUnder(join(prefix, 'node_modules'), RUNTIMES[runtime].names)) {
    const version = versionOf(path);
    if (version !== null) return { path, version };
  }
  return null;
}

function find(runtime) {
  const { spec, env } = RUNTIMES[runtime];
  const given = process.env[env];
  if (given) {
    const version = versionOf(given);
    if (version === null) throw new Error(`${env}=${given} does not run (\`${given} --version\` failed)`);
    return { path: given, version };
  }
  const prefix = join(cache, runtime);
  const cached = installed(runtime, prefix);
  if (cached !== null) return cached;
  try {
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', spec], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 300_000,
    });
  } catch (error) {
    throw new Error(`npm install ${spec} into ${prefix} failed: ${String(error.stderr || error.message).trim()}`);
  }
  const made = installed(runtime, prefix);
  if (made === null) throw new Error(`npm installed ${spec} into ${prefix}, but no ${runtime} binary under it runs on this machine`);
  return made;
}

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in RUNTIMES));
if (asked.length === 0 || unknown.length > 0) {
  console.error(`usage: node scripts/runtimes.mjs ${Object.keys(RUNTIMES).join(' ')}${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(1);
}
const out = {};
for (const runtime of asked) {
  try {
    out[runtime] = find(runtime);
  } catch (error) {
    console.error(`${runtime}: ${error.message}`);
    process.exit(1);
  }
}
console.log(JSON.stringify(out));
