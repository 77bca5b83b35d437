import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { createRedisHub } from '../../src/hub/index.js';
import { until } from '../support/timing.js';

const SERVER = fileURLToPath(new URL('../../examples/cluster/server.ts', import.meta.url));
const CLIENTS = 50;

interface Client {
  worker: string;
  times: string[];
  req: http.ClientRequest;
}

/** A streaming GET of /comet that collects the times of the clock chunks. */
function openClient(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/comet', agent: false }, (res) => {
      const client: Client = { worker: String(res.headers['x-worker']), times: [], req };
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        const text = tail + data;
        let end = 0;
        for (const m of text.matchAll(/clockChanged\('([^']+)',\d+\)/g)) {
          client.times.push(m[1]!);
          end = m.index + m[0].length;
        }
        tail = text.slice(Math.max(end, text.length - 64));
      });
      res.on('error', () => {});
      resolve(client);
    });
    req.on('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('examples/cluster', function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  const clients: Client[] = [];
  afterEach(() => {
    for (const c of clients) c.req.destroy();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('2 workers, 50 clients: every client gets every message once, whichever worker it landed on; redis stops on exit', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, WORKERS: '2', PORT: '0', TICK_MS: '50', CHANNEL: `cluster-test-${process.pid}` };
    delete env.REDIS_URL; // the example starts its own redis-server
    child = spawn(process.execPath, ['--import', 'tsx', SERVER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`the example exited with ${code}`)));
    });
    const [, port, redisUrl, redisPort] = /:(\d+)\/ \(redis (redis:\/\/127\.0\.0\.1:(\d+)), channel /.exec(line) ?? [];
    expect(port, line).to.be.a('string');

    // an independent subscriber to the same channel sees every message Redis delivered
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    const observer = await createRedisHub<string>({ client: redis, channel: env.CHANNEL! });
    const published: string[] = [];
    const observing = (async () => {
      for await (const time of observer.subscribe()) published.push(time);
    })();

    for (let i = 0; i < CLIENTS; i++) clients.push(await openClient(Number(port)));
    await until(() => clients.every((c) => c.times.length >= 20), { what: 'every client to get 20 messages', timeoutMs: 20_000 });
    for (const c of clients) c.req.destroy();
    // the window every client was connected for: from the latest first message to the earliest last one
    const from = clients.map((c) => c.times[0]!).sort().at(-1)!;
    const to = clients.map((c) => c.times.at(-1)!).sort()[0]!;
    // the observer reads Redis on its own: it may get the window's last message after the clients did
    await until(() => (published.at(-1) ?? '') >= to, { what: () => `the observer to read ${to} (it has ${published.at(-1)})` });
    await observer.close();
    await observing;
    redis.destroy();

    expect(new Set(clients.map((c) => c.worker))).to.deep.equal(new Set(['1', '2']));
    const expected = published.filter((t) => t >= from && t <= to);
    expect(expected.length).to.be.at.least(10);
    for (const c of clients) {
      expect([...c.times].sort(), 'in order').to.deep.equal(c.times);
      expect(new Set(c.times).size, 'no duplicate').to.equal(c.times.length);
      expect(c.times.filter((t) => t >= from && t <= to), `worker ${c.worker}`).to.deep.equal(expected);
    }

    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(await refused(Number(redisPort)), 'redis-server stopped').to.equal(true);
  });
});
