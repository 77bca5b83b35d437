/**
 * The clock demo across a server restart, in all three engines: the server stops (its streams end
 * cleanly), the page waits and keeps trying, the server starts again on the same port with a new hub,
 * and the page resumes by itself and says that the history started again (a reset).
 */
import { expect } from 'chai';
import { startClockServer, type ClockServer } from '../../examples/clock/server.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn, type Tab } from './fixtures/harness/harness.js';
import { sleep } from '../support/timing.js';

/** What the page shows: its state, the time of the last tick, the gap note, and the connection's last id. */
const SHOWN = `var $ = function (id) { return document.getElementById(id); };
  return { state: $('state').dataset.state, time: $('clock').dataset.time || null, gap: $('gap').dataset.gap || null,
    note: $('gap').textContent, lastId: window.clock.lastId, frames: document.querySelectorAll('iframe').length };`;

interface Shown {
  state: string;
  time: string | null;
  gap: string | null;
  note: string;
  lastId: number;
  frames: number;
}

eachEngine('clock demo across a server restart', (session) => {
  let clock: ClockServer | undefined;
  let tab: Tab | undefined;
  afterEach(async () => {
    await tab?.close().catch(() => {});
    tab = undefined;
    await clock?.close();
    clock = undefined;
  });

  it('stopped, then started again on the same port: the page waits, resumes by itself and says reset', async () => {
    clock = await startClockServer();
    const port = Number(new URL(clock.url).port);
    tab = await session().open(clock.url);
    await waitIn(tab, "return document.getElementById('state').dataset.state === 'open' && window.clock.lastId >= 3", 'the first ticks');
    const epoch = clock.hub.epoch;

    await clock.close();
    clock = undefined;
    await waitIn(tab, "return document.getElementById('state').dataset.state !== 'open'", 'the page to notice the stop', 5000);
    const stopped = await tab.run<Shown>(SHOWN);
    await sleep(1500);
    const down = await tab.run<Shown>(SHOWN);
    expect(['waiting', 'connecting'], 'state while the server is down').to.include(down.state);
    expect(down.time, 'no tick while the server is down').to.equal(stopped.time);
    expect(down.gap).to.equal(null);

    clock = await startClockServer({ port });
    const started = Date.now();
    await waitIn(tab, "return document.getElementById('gap').dataset.gap === 'reset' && document.getElementById('state').dataset.state === 'open'",
      'the page to resume and say reset', 15_000);
    await waitIn(tab, `return document.getElementById('clock').dataset.time > ${JSON.stringify(stopped.time)}`, 'a tick of the new server');
    const resumed = await tab.run<Shown>(SHOWN);
    console.log(`      resumed ${Date.now() - started} ms after the server started again`);
    expect(clock.hub.epoch, 'a new hub').to.not.equal(epoch);
    expect(resumed.note).to.match(/^reset: the server started again/);
    expect(resumed.frames, 'iframes').to.equal(1);
    // ids start again with the new hub: the page follows them, not the old ones
    expect(resumed.lastId).to.be.within(1, clock.hub.lastId);
    expect(clock.hub.size, 'one subscriber: the page').to.equal(1);
  });
});
