/**
 * Idempotent publishing on a Redis hub: a key already remembered adds nothing and gives the first
 * id (from any hub of the channel, signed or not); keys are remembered per epoch and within
 * `keyWindow`; and under a burst with a short `publishTimeoutMs` beside two CPU hogs, the outcome
 * of every publish is the truth: resolved ones are delivered once, `sent: false` ones never,
 * `sent: true` ones retried with their key are delivered once, and nothing else is. Both clients.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { startCpuHogs, type CpuHogs } from '../../support/cpu-hogs.js';
import { FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import { record, type Recording } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { endOf } from '../fixtures/take.js';

/** Publishes in the burst test, per client. */
const BURST = 20_000;
/** At most how many rejected publishes are retried at once. */
const RETRY_AT_ONCE = 500;
/** The last message of a test: what a subscriber got before it is all it gets. */
const LAST = -1;

describe('createRedisHub: idempotency keys', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;
  let hogs: CpuHogs | undefined;

  afterEach(async () => {
    await hogs?.stop();
    hogs = undefined;
  });

  for (const flavor of FLAVORS) {
    describe(flavor, () => {
      const client = (): Promise<TestClient> => suite.client(flavor);
      async function hub(c: TestClient, channel: string, more: { keyWindow?: number; secret?: string; publishTimeoutMs?: number } = {}): Promise<RedisHub<number>> {
        const h = await createRedisHub<number>({ client: c.raw, channel, history: 100, ...more });
        suite.defer(() => h.close());
        return h;
      }
      const channel = (): string => `idem-${flavor}-${process.pid}-${++n}`;
      const xlen = async (c: TestClient, key: string): Promise<number> => Number(await c.command(['XLEN', key]));

      /** Publishes {@link LAST} and waits until `rec` got it: resolves with what it got before. */
      async function upToLast(h: RedisHub<number>, rec: Recording<number>): Promise<{ values: number[]; ids: number[] }> {
        await h.publish(LAST);
        await until(() => rec.values.at(-1) === LAST || rec.error !== null, { what: () => `the last message (got ${rec.values.length})`, timeoutMs: 60_000 });
        expect(rec.error, 'the subscriber failed').to.equal(null);
        return { values: rec.values.slice(0, -1), ids: rec.ids.slice(0, -1) };
      }

      /**
       * Starts a hub, again while Redis does not answer within its `publishTimeoutMs` (its start is
       * bounded by it too, and a busy machine may take longer than a short one).
       */
      async function startWhenAnswered(start: () => Promise<RedisHub<number>>): Promise<RedisHub<number>> {
        let started: RedisHub<number> | undefined;
        await until(() => start().then((h) => ((started = h), true), (error: unknown) => {
          if (!(error instanceof HubConnectionError)) throw error;
          return false;
        }), { what: 'the hub to start', timeoutMs: 30_000 });
        return started!;
      }

      for (const secret of [undefined, 'idem-secret']) {
        it(`a key published twice (in turn, at once, from another hub, with another value) adds one entry and gives its id${secret ? ', signed' : ''}`, async () => {
          const c = await client();
          const ch = channel();
          const a = await hub(c, ch, { secret });
          const b = await hub(await client(), ch, { secret });
          const rec = record(b.subscribe());
          expect(await a.publish(10, { key: 'k1' })).to.equal(1);
          expect(await a.publish(10, { key: 'k1' })).to.equal(1);
          expect(await Promise.all([a.publish(20, { key: 'k2' }), a.publish(20, { key: 'k2' })])).to.deep.equal([2, 2]);
          expect(await b.publish(20, { key: 'k2' }), 'the same key from another hub').to.equal(2);
          expect(await a.publish(99, { key: 'k1' }), 'the same key with another value').to.equal(1);
          expect(await a.publish(30)).to.equal(3);
          expect(await xlen(c, ch)).to.equal(3);
          expect(await upToLast(a, rec)).to.deep.equal({ values: [10, 20, 30], ids: [1, 2, 3] });
        });
      }

      it('a key is remembered per epoch: after Redis lost the stream and its counter, the same key publishes again in the new epoch', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub(c, ch);
        const before = h.subscribe();
        expect(await h.publish(1, { key: 'k' })).to.equal(1);
        const first = h.epoch;
        // the stream and its counter are lost; the keys remembered are not
        await c.command(['DEL', ch, `{${ch}}:id`]);
        expect(await h.publish(2, { key: 'k' }), 'the same key in a new epoch').to.equal(1);
        await until(() => h.epoch !== first, { what: 'the hub to enter the new epoch', timeoutMs: 60_000 });
        const second = h.epoch;
        expect(String(await c.command(['HGET', `{${ch}}:id`, 'epoch']))).to.equal(second);
        expect(await endOf(before), 'a subscriber of the lost epoch').to.be.instanceOf(HubConnectionError);
        const rec = record(h.subscribe({ since: 0, epoch: second }));
        expect(await h.publish(3, { key: 'k' }), 'the same key again in the new epoch').to.equal(1);
        expect(await upToLast(h, rec)).to.deep.equal({ values: [2], ids: [1] });
        const flat = ((await c.command(['ZRANGE', `{${ch}}:id:keys`, '0', '-1', 'WITHSCORES'])) as unknown[]).flat().map(String);
        const remembered = flat.flatMap((m, k) => (k % 2 === 0 && m.endsWith(':k') ? [[m, flat[k + 1]]] : []));
        expect(remembered, 'the key, remembered once per epoch').to.have.deep.members([[`${first}:k`, '1'], [`${second}:k`, '1']]);
      });

      it('keyWindow 3: the last three keys are remembered, an older one publishes again', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub(c, ch, { keyWindow: 3 });
        const rec = record(h.subscribe());
        for (let k = 1; k <= 4; k++) expect(await h.publish(k, { key: `k${k}` })).to.equal(k);
        expect(Number(await c.command(['ZCARD', `{${ch}}:id:keys`]))).to.equal(3);
        expect(await h.publish(40, { key: 'k4' }), 'k4, remembered').to.equal(4);
        expect(await h.publish(20, { key: 'k2' }), 'k2, remembered').to.equal(2);
        expect(await h.publish(10, { key: 'k1' }), 'k1, forgotten').to.equal(5);
        // now k3, k4, k1: k2 is the oldest one and goes
        expect(await h.publish(20, { key: 'k2' }), 'k2, forgotten now').to.equal(6);
        expect(await h.publish(30, { key: 'k3' }), 'k3, forgotten now').to.equal(7);
        expect(await h.publish(10, { key: 'k1' }), 'k1, remembered again').to.equal(5);
        expect(Number(await c.command(['ZCARD', `{${ch}}:id:keys`]))).to.equal(3);
        expect(await upToLast(h, rec)).to.deep.equal({ values: [1, 2, 3, 4, 10, 20, 30], ids: [1, 2, 3, 4, 5, 6, 7] });
      });

      it('a frozen Redis: the publishes waiting for room and those made while it is seen down reject unsent and are never published; those sent, retried with their keys, are published once', async () => {
        const redis = await suite.own({ appendonly: false });
        const c = await suite.client(flavor, redis.url);
        const ch = channel();
        // a long timeout: what ends the wait is the health check seeing the freeze
        const h = await createRedisHub<number>({ client: c.raw, channel: ch, history: 100, maxInFlight: 2, publishTimeoutMs: 60_000, healthCheckMs: 100, maxOutageMs: 60_000 });
        suite.defer(() => h.close());
        const rec = record(h.subscribe());
        expect(await h.publish(0)).to.equal(1);
        redis.freeze();
        const burst = Array.from({ length: 10 }, (_, i) => h.publish(i + 1).then((id) => ({ id }), (error: unknown) => ({ error })));
        await until(() => !h.connected, { what: 'the health check to see the freeze', timeoutMs: 30_000 });
        const outcomes = await Promise.all(burst);
        const late = await h.publish(11).then((id) => ({ id }), (error: unknown) => ({ error }));
        const kinds = [...outcomes, late].map((o) => ('error' in o && o.error instanceof HubConnectionError ? (o.error.sent ? 'sent' : 'unsent') : o));
        // two were in flight (maxInFlight 2), the rest waited for room; the last was refused at once
        expect(kinds).to.deep.equal(['sent', 'sent', ...Array<string>(9).fill('unsent')]);
        const keys = outcomes.slice(0, 2).map((o) => (o as { error: HubConnectionError }).error.key!);
        expect(new Set(keys).size).to.equal(2);
        redis.thaw();
        await until(() => h.connected, { what: 'the hub to resume', timeoutMs: 30_000 });
        // the two sent reached Redis when it resumed: their retries publish nothing more
        expect(await Promise.all(keys.map((key, i) => h.publish(i + 1, { key })))).to.deep.equal([2, 3]);
        expect(await upToLast(h, rec)).to.deep.equal({ values: [0, 1, 2], ids: [1, 2, 3] });
        expect(Number(await c.command(['XLEN', ch]))).to.equal(4);
      });

      it(`a burst of ${BURST.toLocaleString('en')} publishes with publishTimeoutMs 200 beside two CPU hogs: every outcome is the truth, and a retry with the key of a sent one publishes it once`, async function () {
        this.timeout(240_000);
        hogs = await startCpuHogs(2);
        const c = await client();
        const ch = channel();
        // the window covers every publish between a first attempt and its retry
        const h = await startWhenAnswered(() => hub(c, ch, { publishTimeoutMs: 200, keyWindow: 2 * BURST }));
        const reader = await hub(await client(), ch);
        const rec = record(reader.subscribe());
        const values = Array.from({ length: BURST }, (_, i) => i);
        const started = performance.now();
        const outcomes = await Promise.all(values.map((v) => h.publish(v).then((id) => ({ v, id }), (error: unknown) => ({ v, error }))));

        const resolved = new Map<number, number>();
        const unsent = new Set<number>();
        let pending: { v: number; key: string }[] = [];
        for (const outcome of outcomes) {
          if ('id' in outcome) {
            resolved.set(outcome.v, outcome.id);
            continue;
          }
          const { error } = outcome;
          expect(error, `the rejection of ${outcome.v}`).to.be.instanceOf(HubConnectionError);
          const { sent, key } = error as HubConnectionError;
          if (!sent) unsent.add(outcome.v);
          else {
            expect(key, `the key of ${outcome.v}, sent`).to.be.a('string');
            pending.push({ v: outcome.v, key: key! });
          }
        }
        const sentCount = pending.length;
        const burstMs = performance.now() - started;
        // each one sent is retried with its key once Redis answers, again while it is rejected: a
        // careful client's pace, up to RETRY_AT_ONCE at a time, half as many after a round with a
        // rejection, twice as many after one without
        const retried = new Map<number, number>();
        let rounds = 0;
        for (let atOnce = RETRY_AT_ONCE; pending.length > 0; rounds++) {
          expect(rounds, `retry rounds (${pending.length} left)`).to.be.below(10_000);
          await until(() => h.connected, { what: 'the hub to be connected', timeoutMs: 30_000 });
          const chunk = pending.splice(0, atOnce);
          const again = await Promise.all(chunk.map((p) => h.publish(p.v, { key: p.key }).then((id) => ({ ...p, id }), (error: unknown) => ({ ...p, error }))));
          let rejected = 0;
          for (const outcome of again) {
            if ('id' in outcome) retried.set(outcome.v, outcome.id);
            else {
              expect(outcome.error, `the rejection of the retry of ${outcome.v}`).to.be.instanceOf(HubConnectionError);
              pending.push({ v: outcome.v, key: outcome.key });
              rejected++;
            }
          }
          atOnce = rejected > 0 ? Math.max(1, atOnce >> 1) : Math.min(RETRY_AT_ONCE, atOnce * 2);
        }
        const { values: got, ids } = await upToLast(h, rec);
        const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
        console.log(`      ${resolved.size} resolved, ${unsent.size} rejected unsent, ${sentCount} rejected sent; burst ${s(burstMs)}, ` +
          `${rounds} rounds of retries ${s(performance.now() - started - burstMs)}; ${got.length} delivered`);

        const delivered = new Map<number, number>();
        const twice: number[] = [];
        for (const [i, v] of got.entries()) {
          if (delivered.has(v)) twice.push(v);
          delivered.set(v, ids[i]!);
        }
        expect(twice.slice(0, 10), 'delivered more than once').to.deep.equal([]);
        expect(ids, 'ids delivered: every entry, in order').to.deep.equal(Array.from({ length: ids.length }, (_, i) => i + 1));
        const mismatch = (from: Map<number, number>): number[] => [...from].filter(([v, id]) => delivered.get(v) !== id).map(([v]) => v);
        expect(mismatch(resolved).slice(0, 10), 'resolved, but not delivered under the id it resolved with').to.deep.equal([]);
        expect(mismatch(retried).slice(0, 10), 'sent and retried, but not delivered under the id the retry resolved with').to.deep.equal([]);
        expect([...unsent].filter((v) => delivered.has(v)).slice(0, 10), 'rejected unsent, yet delivered').to.deep.equal([]);
        expect(retried.size, 'retries that resolved').to.equal(sentCount);
        expect(got.filter((v) => !resolved.has(v) && !retried.has(v)).slice(0, 10), 'delivered, never published').to.deep.equal([]);
        expect(delivered.size).to.equal(resolved.size + retried.size);
      });
    });
  }
});
