/**
 * The health state of a Redis hub (src/hub/redis/health.ts) on links of the test's own: once
 * stopped, a late failure of the reader or a link arms no outage timer and tells the hub nothing.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { Health } from '../../../src/hub/redis/health.js';
import type { StreamReader } from '../../../src/hub/redis/reader.js';

function link(): RedisLink & { ready: boolean } {
  return { flavor: 'node-redis', ready: true, command: () => new Promise(() => {}), watch: () => () => {}, destroy: () => {} };
}

describe('Redis hub health state', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  function make(): { health: Health; reader: { failure: unknown; overdue: () => boolean }; readerLink: ReturnType<typeof link>; told: sinon.SinonSpy[] } {
    const reader = { failure: undefined as unknown, overdue: () => false };
    const readerLink = link();
    const told = [sinon.spy(), sinon.spy(), sinon.spy(), sinon.spy()];
    const health = new Health({
      publisher: link(), readerLink, reader: reader as unknown as StreamReader, intervalMs: 50, maxOutageMs: 5000,
      down: told[0]!, up: told[1]!, stalled: told[2]!, outage: told[3]!, answeredAt: () => 0,
    });
    return { health, reader, readerLink, told };
  }

  it('while running, a reader failure marks it down and arms the outage timer, which fires after maxOutageMs', () => {
    const { health, reader, told } = make();
    health.start();
    reader.failure = new Error('read failed');
    health.update();
    expect(health.healthy).to.equal(false);
    expect(told[0]!.callCount, 'down').to.equal(1);
    clock.tick(5000);
    expect(told[3]!.callCount, 'outage').to.equal(1);
    health.stop();
  });

  it('after stop(), a reader failure or a lost link changes nothing and leaves no timer', () => {
    const { health, reader, readerLink, told } = make();
    health.start();
    health.stop();
    reader.failure = new Error('read failed after close');
    readerLink.ready = false;
    health.update();
    expect(health.healthy).to.equal(true);
    expect(clock.countTimers(), 'timers left').to.equal(0);
    clock.tick(10_000);
    expect(told.map((s) => s.callCount), 'down, up, stalled, outage').to.deep.equal([0, 0, 0, 0]);
  });
});
