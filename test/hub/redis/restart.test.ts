/**
 * Redis restarted under a hub, on a server of the test's own: without persistence the epoch changes,
 * subscribers end so that their clients come back and are told `reset`, and ids never repeat within
 * an epoch; with `appendonly yes` the epoch stays and nothing is lost. Restarted from an older
 * snapshot (an RDB file, or an append-only file synced every second, after a crash), Redis keeps
 * the epoch but gives back ids it had given already: ids still never repeat within an epoch, and
 * the subscribers given the lost messages end.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cometEncoding, createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import type { OwnRedis } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { endOf } from '../fixtures/take.js';
import { until, UNTIL_TIMEOUT_MS, within } from '../../support/timing.js';

/** Publishes `value`, retrying while the hub refuses at once (its health check has not seen Redis back yet). */
async function publishWhenUp(hub: { publish(value: number): Promise<number> }, value: number): Promise<number> {
  let id = 0;
  await until(() => hub.publish(value).then((n) => ((id = n), true), () => false), { what: `publish ${value}` });
  return id;
}

/** `epoch:id` of every hub entry in the stream, by stream id. */
async function pairs(c: TestClient, key: string): Promise<Map<string, string>> {
  const entries = (await c.command(['XRANGE', key, '-', '+'])) as [string, string[]][];
  return new Map(entries.map(([sid, f]) => [sid, `${f[3]}:${f[1]}`]));
}

/** The `open` control of `hub.serve` for a client coming back with `epoch` and `since`. */
async function openFor(port: number, epoch: string, since: number): Promise<{ epoch: string; reset: boolean; since: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/?epoch=${epoch}&since=${since}` }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const open = /\{"type":"open"[^}]*\}/.exec(text);
        if (open === null) return;
        req.destroy();
        resolve(JSON.parse(open[0]) as { epoch: string; reset: boolean; since: number });
      });
    });
    req.on('error', reject);
  });
}

describe('createRedisHub: Redis restarts', function () {
  this.timeout(40_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  async function setup(flavor: (typeof FLAVORS)[number], appendonly: boolean): Promise<{ c: TestClient; hub: RedisHub<number, string>; port: number }> {
    redis = await suite.own({ appendonly });
    const c = await connect(flavor, redis.url);
    suite.defer(() => c.close());
    const hub = await createRedisHub<number, string>({ client: c.raw, channel: 'ticks', history: 100, healthCheckMs: 200, ...cometEncoding('cb') });
    suite.defer(() => hub.close());
    const server = http.createServer((req, res) => void hub.serve(req, res, { heartbeatMs: 0 }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    suite.defer(() => new Promise((resolve) => server.close(resolve)));
    server.closeAllConnections?.();
    return { c, hub, port: (server.address() as AddressInfo).port };
  }

  for (const flavor of FLAVORS) {
    it(`${flavor}: without persistence the epoch changes, subscribers end, a returning client is reset, ids never repeat in an epoch`, async () => {
      const { hub, port } = await setup(flavor, false);
      const ids = new Map<string, number[]>();
      const record = (epoch: string, id: number): void => void ids.set(epoch, [...(ids.get(epoch) ?? []), id]);
      for (let v = 1; v <= 5; v++) record(hub.epoch, await hub.publish(v));
      const before = hub.epoch;
      const sub = hub.subscribe();
      const ended = endOf(sub);
      await redis!.restart('SIGKILL');
      await until(() => hub.epoch !== before, { what: 'the hub to see the new epoch' });
      const error = await ended;
      expect(error).to.be.instanceOf(HubConnectionError);
      expect((error as Error).message).to.match(/epoch of "ticks" changed/);
      for (let v = 6; v <= 10; v++) record(hub.epoch, await publishWhenUp(hub, v));
      expect(ids.get(before)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(ids.get(hub.epoch)).to.deep.equal([1, 2, 3, 4, 5]);
      await until(() => hub.lastId === 5, { what: 'the hub to read what it published' });
      const open = await openFor(port, before, 5);
      expect(open).to.deep.include({ epoch: hub.epoch, reset: true, since: 0 });
      const same = await openFor(port, hub.epoch, 3);
      expect(same).to.deep.include({ reset: false, since: 3 });
    });

    it(`${flavor}: with appendonly yes a restart keeps the epoch, fails no subscriber and loses nothing`, async () => {
      const { hub } = await setup(flavor, true);
      const epoch = hub.epoch;
      const sub = hub.subscribe();
      const got: number[] = [];
      const reading = (async () => {
        for await (const chunk of sub) for (const m of chunk.matchAll(/cb\((\d+),(\d+)\)/g)) got.push(Number(m[1]));
      })();
      for (let v = 1; v <= 5; v++) await hub.publish(v);
      await redis!.restart('SIGTERM');
      for (let v = 6; v <= 10; v++) await publishWhenUp(hub, v);
      await until(() => got.length >= 10, { what: 'all ten messages' });
      expect(got).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(hub.epoch).to.equal(epoch);
      expect(hub.lastId).to.equal(10);
      expect(hub.stats().malformed).to.equal(0);
      await hub.close();
      await reading;
    });

    it(`${flavor}: restarted from an older snapshot, ids never repeat within an epoch and the subscribers given lost messages end`, async () => {
      const redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      suite.defer(() => c.close());
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'ticks', history: 100, healthCheckMs: 200 });
      suite.defer(() => hub.close());
      for (let v = 1; v <= 5; v++) await hub.publish(v);
      await c.command(['SAVE']);
      for (let v = 6; v <= 10; v++) await hub.publish(v);
      await until(() => hub.lastId === 10, { what: 'the hub to read what it published' });
      const seen = await pairs(c, 'ticks');
      const sub = hub.subscribe();
      const ended = endOf(sub);
      // the server comes back with the snapshot taken after message 5
      await redis.restart('SIGKILL');
      for (let v = 11; v <= 15; v++) await publishWhenUp(hub, v);
      // every entry ever in the stream, once each (the snapshot's five are in both lists)
      const all = [...new Map([...seen, ...(await pairs(c, 'ticks'))]).values()];
      expect(all).to.have.length(15);
      expect(new Set(all).size, `entries: ${all.join(' ')}`).to.equal(all.length);
      const error = await within(ended, UNTIL_TIMEOUT_MS);
      expect(error).to.be.instanceOf(HubConnectionError);
    });
  }
});
