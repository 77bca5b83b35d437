/**
 * A burst on a Redis hub with its default options, beside two CPU hogs: one process publishes
 * 200,000 messages at once to its own subscriber. The publishes are held back (at most
 * `maxInFlight` wait for Redis), not timed out: each resolves with the next id; the subscriber,
 * whose process is merely behind, gets every message once, in order, and does not fail. Both
 * clients.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError } from '../../../src/hub/index.js';
import { startCpuHogs, type CpuHogs } from '../../support/cpu-hogs.js';
import { FLAVORS } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import { record } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';

const BURST = 200_000;
/** The message published after the burst. */
const LAST = -1;

describe('createRedisHub: a burst beside two CPU hogs', function () {
  this.timeout(300_000);
  const suite = redisSuite({ shared: true });
  let hogs: CpuHogs | undefined;

  afterEach(async () => {
    await hogs?.stop();
    hogs = undefined;
  });

  for (const flavor of FLAVORS) {
    it(`${flavor}: ${BURST.toLocaleString('en')} publishes at once, default options: each resolves with the next id, and the subscriber gets every message once, in order`, async () => {
      const c = await suite.client(flavor);
      const channel = `burst-${flavor}-${process.pid}`;
      const hub = await createRedisHub<number>({ client: c.raw, channel });
      suite.defer(() => hub.close());
      const rec = record(hub.subscribe());
      hogs = await startCpuHogs(2);
      const started = performance.now();

      const calls = Array.from({ length: BURST }, (_, v) => hub.publish(v).then((id) => id, (error: unknown) => error));
      // how long the calls themselves took, before any command could be written to the connection
      const calledMs = performance.now() - started;
      const outcomes = await Promise.all(calls);
      const publishedMs = performance.now() - started;
      // one more message, after every one Redis took: what the subscriber got before it is all it gets
      let last = 0;
      await until(() => hub.publish(LAST, { key: 'last' }).then((id) => ((last = id), true), (error: unknown) => {
        if (!(error instanceof HubConnectionError)) throw error;
        return false;
      }), { what: 'the last publish', timeoutMs: 60_000 });
      await until(() => rec.values.at(-1) === LAST || rec.error !== null, {
        what: () => `the last message (got ${rec.values.length})`, timeoutMs: 120_000, everyMs: 50,
      });
      const deliveredMs = performance.now() - started;
      const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
      console.log(`      called in ${s(calledMs)}, settled in ${s(publishedMs)}, delivered in ${s(deliveredMs)}`);

      expect(rec.error, 'the subscriber failed').to.equal(null);
      const got = rec.values.slice(0, -1);
      const seen = new Uint8Array(BURST);
      for (const v of got) seen[v]!++;
      const runs = (vs: number[]): string[] => {
        const out: string[] = [];
        for (let i = 0; i < vs.length; i++) {
          let j = i;
          while (j + 1 < vs.length && vs[j + 1] === vs[j]! + 1) j++;
          out.push(i === j ? `${vs[i]}` : `${vs[i]} to ${vs[j]}`);
          i = j;
        }
        return out;
      };
      const never = Array.from(seen.keys()).filter((v) => seen[v] === 0);
      const twice = Array.from(seen.keys()).filter((v) => seen[v]! > 1);
      expect({ never: runs(never), twice: runs(twice) }, 'values never delivered, and delivered more than once').to.deep.equal({ never: [], twice: [] });
      expect(got.every((v, i) => v === i), 'values in order').to.equal(true);
      expect(rec.ids.slice(0, -1).every((id, i) => id === i + 1), 'ids 1, 2, 3, …').to.equal(true);
      expect(last).to.equal(BURST + 1);
      expect(hub.stats()).to.deep.include({ malformed: 0, cutOff: 0, disconnectedForSlowness: 0 });
      // held back, not timed out: every publish resolved with the id its message was delivered under
      const kinds = new Map<string, number[]>();
      for (const [v, outcome] of outcomes.entries()) {
        if (typeof outcome === 'number') continue;
        const kind = outcome instanceof HubConnectionError ? `HubConnectionError sent: ${outcome.sent}` : String(outcome);
        kinds.set(kind, [...(kinds.get(kind) ?? []), v]);
      }
      expect([...kinds].map(([kind, vs]) => `${kind}: ${vs.length} (values ${runs(vs).join(', ')})`), 'rejected publishes').to.deep.equal([]);
      expect(outcomes.every((id, v) => id === v + 1), 'each publish resolved with the next id').to.equal(true);
    });
  }
});
