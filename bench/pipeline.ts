/**
 * End to end, one client: an EventEmitter's messages through fromEventEmitter → Comet.json →
 * sendComet, against a hand-written listener that wraps JSON.stringify output in a script tag and
 * calls res.write, queueing while the response waits for 'drain'. Messages per second from the
 * first emit until the client (a child process) has them all; interleaved rounds, medians.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ClientFleet } from './lib/clients.js';
import { library, type Library } from './lib/library.js';
import { listen } from './lib/server.js';
import { formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { until } from './scale.js';

const CALLBACK = 'parent.cometMessage';
/** Messages emitted per event-loop turn. */
const BURST = 100;

/** The hand-written baseline: one listener per response, a queue while the socket is full. */
function handWritten(lib: Library, emitter: EventEmitter, res: ServerResponse): void {
  res.writeHead(200, lib.cometHeaders);
  res.write(lib.Comet.initialHtmlChunk);
  const queue: string[] = [];
  let blocked = false;
  const onMessage = (value: unknown): void => {
    const chunk = `<script>${CALLBACK}(${JSON.stringify(value)})</script>`;
    if (blocked) queue.push(chunk);
    else if (!res.write(chunk)) blocked = true;
  };
  res.on('drain', () => {
    blocked = false;
    while (queue.length > 0 && !blocked) if (!res.write(queue.shift()!)) blocked = true;
  });
  emitter.on('message', onMessage);
  res.on('close', () => emitter.off('message', onMessage));
}

/** The library: the same events through fromEventEmitter (unbounded, like the queue above), Comet.json, sendComet. */
function pipeline(lib: Library, emitter: EventEmitter, res: ServerResponse): void {
  const messages = lib.fromEventEmitter(emitter, 'message', { buffer: { limit: Infinity } });
  void lib.sendComet(res, lib.Comet.json(CALLBACK)(messages)).catch(() => {});
}

/** Runs the end-to-end benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const count = settings.quick ? 20_000 : 100_000;
  const rounds = settings.quick ? 3 : 7;
  const emitter = new EventEmitter();
  const candidates = { 'fromEventEmitter → Comet.json → sendComet': pipeline, 'hand-written listener + res.write/drain': handWritten };
  const names = Object.keys(candidates) as (keyof typeof candidates)[];
  const server = await listen((req, res) => candidates[decodeURIComponent(req.url!.slice(1)) as keyof typeof candidates](lib, emitter, res));
  const fleet = await ClientFleet.start();
  const rates = names.map(() => [] as number[]);
  const message = { id: 0, text: 'a typical small update', price: 101.25 };
  try {
    for (let r = 0; r < rounds + 1; r++) {
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
        await fleet.open(server.port, '/' + encodeURIComponent(names[i]!), 1);
        await until(() => emitter.listenerCount('message') === 1, 10_000, 'the listener');
        const start = (await fleet.stats()).minScripts;
        const t0 = performance.now();
        for (let sent = 0; sent < count; ) {
          for (let j = 0; j < BURST; j++) emitter.emit('message', { ...message, id: sent++ });
          await new Promise((resolve) => setImmediate(resolve));
        }
        await fleet.wait(start + count);
        const seconds = (performance.now() - t0) / 1000;
        if (r > 0) rates[i]!.push(count / seconds); // round 0 warms both up
        await fleet.closeAll();
        await until(() => emitter.listenerCount('message') === 0, 10_000, 'the listener to go');
      }
    }
  } finally {
    await fleet.stop();
    await server.close();
  }
  const [lib0, hand] = rates.map((v) => median(v)) as [number, number];
  return {
    title: 'End to end, one client: fromEventEmitter → Comet.json → sendComet vs a hand-written listener',
    columns: ['path', 'messages/s', 'spread', 'vs hand-written'],
    rows: names.map((name, i) => [name, formatRate(median(rates[i]!)), spread(rates[i]!), formatRatio(median(rates[i]!) / hand)]),
    notes: [
      `The library path: ${formatRatio(lib0 / hand)} the hand-written listener's messages/s (target ≥ 0.80×: ${verdict(lib0 / hand >= 0.8)}).`,
      `${count.toLocaleString('en-US')} messages ({ id, text, price }, ~60 B of JSON) per round, emitted ${BURST} per event-loop turn, timed from the first emit until the client process has every chunk; ${rounds} rounds per path after one warm-up round, interleaved, medians.`,
      'Neither path drops: fromEventEmitter with buffer.limit Infinity, the hand-written listener with an unbounded queue while the response waits for drain.',
    ],
  };
}
