/**
 * One health check per publishing connection, whatever the number of hubs on it, without a server:
 * one PING per interval (the smallest any hub asks for), every hub told when Redis stops answering,
 * each hub's own outage clock, and no timer left once the last hub left.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { Health, HubHealth } from '../../../src/hub/redis/health.js';
import type { StreamReader } from '../../../src/hub/redis/reader.js';

/** A publishing link whose PINGs are counted and answered (or not) as the test says. */
function publisher(): { link: RedisLink; pings: number; answer: boolean } {
  const state: { link: RedisLink; pings: number; answer: boolean } = {
    pings: 0,
    answer: true,
    link: {
      flavor: 'ioredis',
      ready: true,
      command: (args: string[]) => {
        expect(args).to.deep.equal(['PING']);
        state.pings++;
        return state.answer ? Promise.resolve('PONG') : new Promise<never>(() => {});
      },
      watch: () => () => {},
      destroy: () => {},
    } satisfies RedisLink,
  };
  return state;
}

/** A reader that is reading well, on a connection that is up. */
const reader = { link: { ready: true, watch: () => () => {} }, failure: undefined, overdue: () => false } as unknown as StreamReader;

/** A hub's health on `shared`, with what it was told. */
function hub(shared: Health, intervalMs: number, maxOutageMs = 5000) {
  const told = { down: 0, up: 0, stalled: 0, outage: 0 };
  const health = new HubHealth({
    shared: () => shared, reader, intervalMs, maxOutageMs, answeredAt: () => 0,
    down: () => told.down++, up: () => told.up++, stalled: () => told.stalled++, outage: () => told.outage++,
  });
  return { health, told };
}

describe('Redis hub health: one check per publishing connection', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => clock.restore());

  it('sends one PING per interval for three hubs, at the smallest interval any of them asks for', async () => {
    const pub = publisher();
    const shared = new Health(pub.link);
    const hubs = [hub(shared, 1000), hub(shared, 250), hub(shared, 500)];
    for (const h of hubs) h.health.start();
    expect(shared.intervalMs).to.equal(250);
    await clock.tickAsync(1000);
    expect(pub.pings).to.equal(4);
    expect(hubs.map((h) => h.health.healthy)).to.deep.equal([true, true, true]);
    // the hub that asked for 250 ms leaves: the next smallest, 500 ms, is used
    hubs[1]!.health.stop();
    expect(shared.intervalMs).to.equal(500);
    await clock.tickAsync(1000);
    expect(pub.pings).to.equal(6);
  });

  it('a PING left unanswered stalls and downs every hub once; each hub fails after its own maxOutageMs', async () => {
    const pub = publisher();
    const shared = new Health(pub.link);
    const quick = hub(shared, 100, 1000);
    const slow = hub(shared, 100, 3000);
    quick.health.start();
    slow.health.start();
    pub.answer = false;
    await clock.tickAsync(100); // the PING goes out, unanswered
    await clock.tickAsync(100); // one interval later: Redis does not answer
    expect(pub.pings).to.equal(1);
    for (const h of [quick, slow]) {
      expect(h.told).to.deep.include({ stalled: 1, down: 1, outage: 0 });
      expect(h.health.healthy).to.equal(false);
      expect(h.health.publishable).to.equal(false);
      expect(String(h.health.cause)).to.match(/did not answer PING within 100 ms/);
    }
    // the outage clocks count from when the unanswered PING was sent
    await clock.tickAsync(900);
    expect([quick.told.outage, slow.told.outage]).to.deep.equal([1, 0]);
    await clock.tickAsync(2000);
    expect([quick.told.outage, slow.told.outage]).to.deep.equal([1, 1]);
    quick.health.stop();
    slow.health.stop();
  });

  it('a hub added to a check that knows Redis does not answer is down at once; the last hub to leave stops the check', async () => {
    const pub = publisher();
    let ended = 0;
    const shared = new Health(pub.link, () => ended++);
    const first = hub(shared, 100);
    first.health.start();
    pub.answer = false;
    await clock.tickAsync(200);
    const later = hub(shared, 100);
    later.health.start();
    expect(later.told.down).to.equal(1);
    expect(later.health.healthy).to.equal(false);
    first.health.stop();
    expect(ended).to.equal(0);
    later.health.stop();
    expect(ended).to.equal(1);
    expect(clock.countTimers(), 'timers left').to.equal(0);
  });
});
