/**
 * A Redis hub's own health state (src/hub/redis/health.ts `HubHealth`), without a server: a reader
 * failure downs it and arms its outage clock; once stopped, a late failure of its reader arms no
 * timer and tells the hub nothing.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { Health, HubHealth } from '../../../src/hub/redis/health.js';
import type { StreamReader } from '../../../src/hub/redis/reader.js';

const publisher: RedisLink = { flavor: 'node-redis', ready: true, command: () => Promise.resolve('PONG'), watch: () => () => {}, destroy: () => {} };

describe('Redis hub health state of one hub', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'] })));
  afterEach(() => clock.restore());

  function make(): { health: HubHealth; reader: { failure: unknown }; told: Record<string, number> } {
    const reader = { link: { ready: true, watch: () => () => {} }, failure: undefined as unknown, overdue: () => false };
    const shared = new Health(publisher);
    const told = { down: 0, up: 0, stalled: 0, outage: 0 };
    const health = new HubHealth({
      shared: () => shared, reader: reader as unknown as StreamReader, intervalMs: 50, maxOutageMs: 5000, answeredAt: () => 0,
      down: () => told.down++, up: () => told.up++, stalled: () => told.stalled++, outage: () => told.outage++,
    });
    return { health, reader, told };
  }

  it('while running, a reader failure downs it, and its outage fires after maxOutageMs', async () => {
    const { health, reader, told } = make();
    health.start();
    reader.failure = new Error('read failed');
    health.update();
    expect(health.healthy).to.equal(false);
    expect(told.down).to.equal(1);
    await clock.tickAsync(5000);
    expect(told.outage).to.equal(1);
    health.stop();
  });

  it('after stop(), a late reader failure changes nothing and leaves no timer', async () => {
    const { health, reader, told } = make();
    health.start();
    health.stop();
    reader.failure = new Error('read failed after close');
    health.update();
    expect(health.healthy).to.equal(true);
    expect(clock.countTimers(), 'timers left').to.equal(0);
    await clock.tickAsync(10_000);
    expect(told).to.deep.equal({ down: 0, up: 0, stalled: 0, outage: 0 });
  });
});
