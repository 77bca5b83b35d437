/**
 * A Redis Cluster a test owns: three (or more) redis-server processes in cluster mode on free
 * loopback ports, each with a data directory of its own, joined by `redis-cli --cluster create`
 * without replicas; a node can be killed, and everything is stopped and removed at the end.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { redisScript, running, spawnReady, stopChild } from './redis-server.js';
import { until } from './timing.js';
import type { ChildProcess } from 'node:child_process';

const run = promisify(execFile);

/** One node of a test cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly child: ChildProcess;
  /** A plain (non-cluster) connection to this node, for checks. */
  readonly admin: Redis;
}

/** A running test cluster. */
export interface TestCluster {
  readonly nodes: readonly ClusterNode[];
  /** `{ host, port }` of every node, as both clients take them. */
  readonly rootNodes: readonly { host: string; port: number }[];
  /** The node serving `slot`, as the cluster's first live node reports it (CLUSTER SLOTS). */
  owner(slot: number): Promise<ClusterNode>;
  /** SIGKILL to one node's process; resolves once it exited. */
  kill(node: ClusterNode): Promise<void>;
  /** Kills every node still running and removes every data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** How many master nodes (default 3). */
  size?: number;
  /** `cluster-node-timeout`: how long a silent node takes to be marked failed (default Redis's, 15000 ms). */
  nodeTimeoutMs?: number;
}

/** redis-cli beside the redis-server in use (Debian's package ships both), else the one on PATH. */
function redisCliPath(serverPath: string): string {
  const beside = join(dirname(serverPath), 'redis-cli');
  return existsSync(beside) ? beside : 'redis-cli';
}

/**
 * Starts `size` redis-server processes with `cluster-enabled yes` and joins them with `redis-cli
 * --cluster create` (no replicas); resolves once every node says `cluster_state:ok`. On failure,
 * what was started is stopped before the error is thrown.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const { size = 3, nodeTimeoutMs = 15_000 } = options;
  const script = await redisScript();
  const nodes: ClusterNode[] = [];
  const dirs: string[] = [];
  const stop = async (): Promise<void> => {
    for (const node of nodes) node.admin.disconnect();
    await Promise.all(nodes.map((node) => stopChild(node.child, 'SIGKILL')));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await script.freePort();
      const dir = mkdtempSync(join(tmpdir(), 'comet-cluster-'));
      dirs.push(dir);
      const child = await spawnReady(script.redisServerPath(), [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', String(nodeTimeoutMs),
      ], port);
      const admin = new Redis(port, '127.0.0.1', { retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
      admin.on('error', () => {});
      nodes.push({ port, child, admin });
    }
    await run(redisCliPath(script.redisServerPath()), [
      '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes',
    ], { timeout: 30_000 });
    await until(async () => {
      const infos = await Promise.all(nodes.map((n) => n.admin.call('CLUSTER', 'INFO').then(String, () => '')));
      return infos.every((info) => /cluster_state:ok/.test(info));
    }, { timeoutMs: 20_000, everyMs: 50, what: 'cluster_state:ok on every node' });
  } catch (error) {
    await stop();
    throw error;
  }
  const byPort = new Map(nodes.map((n) => [n.port, n]));
  return {
    nodes,
    rootNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    async owner(slot) {
      const live = nodes.find((n) => running(n.child))!;
      const ranges = (await live.admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      const node = range && byPort.get(Number(range[2][1]));
      if (node === undefined) throw new Error(`no node serves slot ${slot}`);
      return node;
    },
    async kill(node) {
      node.admin.disconnect();
      await stopChild(node.child, 'SIGKILL');
    },
    stop,
  };
}
