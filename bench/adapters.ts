/**
 * Source adapters against the peer a user would pick instead, side by side in one run:
 * messages per second through `for await`, memory held per waiting message, and peak heap.
 * Each pair runs in its own child process (so one pair's JIT state does not colour another's), with
 * the adapter and its peer alternating inside it; ratios compare with the peer of the same run.
 * `npx tsx bench/adapters.ts [--quick]` prints the table; `npm run bench` includes it.
 */
import { fork } from 'node:child_process';
import { EventEmitter, on } from 'node:events';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { Repeater } from '@repeaterjs/repeater';
import { EventIterator } from 'event-iterator';
import { Subject } from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';
import { library, libraryOrigin, type Library } from './lib/library.js';
import { formatRate, formatRatio, verdict } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

/** One contender: an iterable of 0, 1, 2, … and, for push sources, the function that emits the next value. */
interface Contender {
  iterable: AsyncIterable<number>;
  emit?: (value: number) => void;
}
type Maker = () => Contender;
/** Makes one more consumer of the emitter's 'data' event. */
type FanMaker = (ee: EventEmitter) => AsyncIterable<number>;
interface Pair {
  adapter: string;
  peer: string;
  ours: Maker;
  theirs: Maker;
  /** For emitter pairs: many consumers of one emitter. */
  fan?: [FanMaker, FanMaker];
}
type Scenario = 'bursts' | 'waiting' | 'pull' | `fan-out x${number}`;
interface PairResult {
  names?: [string, string];
  rates: Partial<Record<Scenario, [number, number]>>; // [adapter, peer] messages per CPU second
  held: [number, number] | null; // bytes per waiting message
  peak: [number, number]; // MB
}

const BURST = 100; // values emitted per macrotask in the 'bursts' scenario
let MESSAGES = 200_000;
let ROUNDS = 7;
let WARM_UP = 3;
const HELD_ITERATORS = 40;
const HELD_EACH = 1000; // below the default buffer limit (1024) and Repeater's 1024 pending pushes
const PAIR_FLAG = '--adapter-bench-pair';
const FAN_OUT = [1, 1000]; // consumers of one emitter in the fan-out scenarios

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heap = (): number => getHeapStatistics().used_heap_size;

function emitterPair(lib: Library, peer: string, theirs: FanMaker, fan = false): Pair {
  const make = (f: (ee: EventEmitter) => AsyncIterable<number>): Maker => () => {
    const ee = new EventEmitter();
    return { iterable: f(ee), emit: (v) => ee.emit('data', v) };
  };
  const ours = (ee: EventEmitter): AsyncIterable<number> => lib.fromEventEmitter<number>(ee, 'data');
  return { adapter: 'fromEventEmitter', peer, ours: make(ours), theirs: make(theirs), ...(fan ? { fan: [ours, theirs] } : {}) };
}

async function* firstArgument(ee: EventEmitter): AsyncGenerator<number> {
  for await (const [value] of on(ee, 'data')) yield value as number;
}

function counter(): Readable {
  let next = 0;
  return new Readable({
    objectMode: true,
    read() {
      for (let i = 0; i < BURST; i++) this.push(next++);
    },
  });
}

const pairs = (lib: Library): Pair[] => [
  emitterPair(lib, 'events.on (first argument)', firstArgument, true),
  emitterPair(lib, 'event-iterator', (ee) =>
    new EventIterator<number>(({ push }) => {
      ee.on('data', push);
      return () => ee.off('data', push);
    }, { highWaterMark: Number.MAX_SAFE_INTEGER }),
  ),
  emitterPair(lib, '@repeaterjs/repeater', (ee) =>
    new Repeater<number>(async (push, stop) => {
      const listener = (v: number): void => void push(v);
      ee.on('data', listener);
      await stop;
      ee.off('data', listener);
    }),
  ),
  {
    adapter: 'fromObservable',
    peer: 'rxjs-for-await eachValueFrom',
    ours: () => {
      const s = new Subject<number>();
      return { iterable: lib.fromObservable<number>(s), emit: (v) => s.next(v) };
    },
    theirs: () => {
      const s = new Subject<number>();
      return { iterable: eachValueFrom(s), emit: (v) => s.next(v) };
    },
  },
  {
    adapter: 'fromReadable (object mode)',
    peer: 'Readable[Symbol.asyncIterator]',
    ours: () => ({ iterable: lib.fromReadable<number>(counter()) }),
    theirs: () => ({ iterable: counter() as AsyncIterable<number> }),
  },
];

/**
 * Reads MESSAGES values with `for await`; returns messages per CPU second. 'bursts': BURST values per
 * macrotask; 'waiting': one value each time the consumer has taken the previous one; 'pull': the
 * source produces on demand. With `sample`, tracks the heap instead (untimed) and returns the peak in bytes.
 */
async function throughput(make: Maker, scenario: Scenario, sample = false): Promise<number> {
  // no gc() before timed runs: the collector's background threads would bill their work to the run
  if (sample) gc();
  const base = heap();
  let peak = 0;
  const { iterable, emit } = make();
  let produced = 0;
  const emitOne = (): void => (emit as (v: number) => void)(produced++);
  const produce = (): void => {
    for (let i = 0; i < BURST && produced < MESSAGES; i++) (emit as (v: number) => void)(produced++);
    if (sample) peak = Math.max(peak, heap() - base);
    if (produced < MESSAGES) setImmediate(produce);
  };
  const start = process.cpuUsage();
  if (scenario === 'bursts') setImmediate(produce);
  else if (scenario === 'waiting') queueMicrotask(emitOne);
  let count = 0;
  let sum = 0;
  for await (const value of iterable) {
    sum += value;
    if (++count === MESSAGES) break;
    if (scenario === 'waiting') queueMicrotask(emitOne);
    else if (sample && scenario === 'pull' && count % BURST === 0) peak = Math.max(peak, heap() - base);
  }
  const used = process.cpuUsage(start);
  if (sum !== (MESSAGES * (MESSAGES - 1)) / 2) throw new Error(`lost or reordered messages (sum ${sum})`);
  return sample ? peak : (MESSAGES / (used.user + used.system)) * 1e6;
}

/**
 * `consumers` iterators on one emitter, each reading MESSAGES / consumers values emitted BURST per
 * macrotask; returns deliveries (values times consumers) per CPU second.
 */
async function fanOut(make: FanMaker, consumers: number): Promise<number> {
  const ee = new EventEmitter();
  ee.setMaxListeners(0); // the peers add one listener per consumer
  const each = Math.max(BURST, Math.floor(MESSAGES / consumers));
  const iterables = Array.from({ length: consumers }, () => make(ee));
  let produced = 0;
  const produce = (): void => {
    for (let i = 0; i < BURST && produced < each; i++) ee.emit('data', produced++);
    if (produced < each) setImmediate(produce);
  };
  const start = process.cpuUsage();
  setImmediate(produce);
  const sums = await Promise.all(
    iterables.map(async (iterable) => {
      let count = 0;
      let sum = 0;
      for await (const value of iterable) {
        sum += value;
        if (++count === each) break;
      }
      return sum;
    }),
  );
  const used = process.cpuUsage(start);
  if (sums.some((sum) => sum !== (each * (each - 1)) / 2)) throw new Error('fan-out: lost or reordered messages');
  if (ee.listenerCount('data') !== 0) throw new Error(`fan-out: ${ee.listenerCount('data')} listeners left`);
  return ((each * consumers) / (used.user + used.system)) * 1e6;
}

/** Bytes of heap held per message waiting for a consumer that has started but not yet pulled. */
async function heldPerMessage(make: Maker): Promise<number> {
  const contenders = Array.from({ length: HELD_ITERATORS }, make);
  const iterators = contenders.map((s) => s.iterable[Symbol.asyncIterator]());
  const first = iterators.map((it) => it.next()); // every contender is subscribed and waiting now
  contenders.forEach((s) => (s.emit as (v: number) => void)(0));
  await Promise.all(first);
  gc();
  const before = heap();
  for (const s of contenders) for (let i = 1; i <= HELD_EACH; i++) (s.emit as (v: number) => void)(i);
  gc();
  const held = (heap() - before) / (HELD_ITERATORS * HELD_EACH);
  for (const it of iterators) {
    for (let i = 1; i <= HELD_EACH; i++) await it.next();
    await it.return?.();
  }
  return held;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Measures one pair: alternating adapter and peer runs for each scenario, then memory. */
async function measurePair(pair: Pair): Promise<PairResult> {
  const push = pair.ours().emit !== undefined;
  const scenarios: Scenario[] = push ? ['bursts', 'waiting'] : ['pull'];
  const rates: PairResult['rates'] = {};
  for (const scenario of scenarios) {
    for (let w = 0; w < WARM_UP; w++) {
      await throughput(pair.ours, scenario);
      await throughput(pair.theirs, scenario);
    }
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0 ? pair.ours : pair.theirs;
      const a = await throughput(first, scenario);
      const b = await throughput(first === pair.ours ? pair.theirs : pair.ours, scenario);
      (first === pair.ours ? ours : theirs).push(a);
      (first === pair.ours ? theirs : ours).push(b);
    }
    rates[scenario] = [median(ours), median(theirs)];
  }
  for (const consumers of pair.fan ? FAN_OUT : []) {
    const [ours, theirs] = pair.fan as [FanMaker, FanMaker];
    const figures: [number[], number[]] = [[], []];
    for (let r = 0; r < WARM_UP + ROUNDS; r++) {
      const a = await fanOut(r % 2 === 0 ? ours : theirs, consumers);
      const b = await fanOut(r % 2 === 0 ? theirs : ours, consumers);
      if (r < WARM_UP) continue;
      figures[0].push(r % 2 === 0 ? a : b);
      figures[1].push(r % 2 === 0 ? b : a);
    }
    rates[`fan-out x${consumers}`] = [median(figures[0]), median(figures[1])];
  }
  const three = async (make: Maker, f: (m: Maker) => Promise<number>): Promise<number> =>
    median([await f(make), await f(make), await f(make)]);
  const peakOf = (m: Maker): Promise<number> => throughput(m, scenarios[0] as Scenario, true);
  return {
    rates,
    held: push ? [await three(pair.ours, heldPerMessage), await three(pair.theirs, heldPerMessage)] : null,
    peak: [(await three(pair.ours, peakOf)) / 2 ** 20, (await three(pair.theirs, peakOf)) / 2 ** 20],
  };
}

function applySettings(settings: BenchSettings): void {
  if (settings.quick) [MESSAGES, ROUNDS, WARM_UP] = [50_000, 3, 1];
}

const PAIR_NAMES = ['events.on', 'event-iterator', 'repeater', 'eachValueFrom', 'Readable iterator'];

/** Runs one pair in a child process with `--expose-gc` and returns its figures. */
function runChild(index: number, settings: BenchSettings): Promise<PairResult> {
  return new Promise((resolve, reject) => {
    const args = [PAIR_FLAG, String(index), ...(settings.quick ? ['--quick'] : [])];
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv: [...process.execArgv, '--expose-gc'] });
    let result: { pair: [string, string]; figures: PairResult } | undefined;
    child.once('message', (m) => (result = m as typeof result));
    child.once('error', reject);
    child.once('exit', (code) => (result && code === 0 ? resolve({ ...result.figures, names: result.pair }) : reject(new Error(`the ${PAIR_NAMES[index]} pair exited with ${code}`))));
  });
}

/** Runs every pair and returns the table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  applySettings(settings);
  const rows: (string | number)[][] = [];
  const ratios = new Map<string, number>();
  for (let i = 0; i < PAIR_NAMES.length; i++) {
    const r = await runChild(i, settings);
    const [adapter, peer] = r.names as [string, string];
    let first = true;
    for (const [scenario, [ours, theirs]] of Object.entries(r.rates) as [Scenario, [number, number]][]) {
      const memory = !first
        ? ['', '', '', '', '']
        : [
            r.held ? Math.round(r.held[0]) : '-',
            r.held ? Math.round(r.held[1]) : '-',
            r.held ? formatRatio(r.held[0] / r.held[1]) : '-',
            r.peak[0].toFixed(1),
            r.peak[1].toFixed(1),
          ];
      rows.push([adapter, peer, scenario, formatRate(ours), formatRate(theirs), formatRatio(ours / theirs), ...memory]);
      ratios.set(`${PAIR_NAMES[i]} ${scenario}`, ours / theirs);
      first = false;
    }
  }
  const target = (name: string, pair: string, min: number): string => {
    const [b, w] = [ratios.get(`${pair} bursts`) ?? 0, ratios.get(`${pair} waiting`) ?? 0];
    return `Target ${name}: bursts ${formatRatio(b)} (${verdict(b >= min)}), waiting ${formatRatio(w)} (${verdict(w >= min)}).`;
  };
  return {
    title: 'Source adapters vs peers: messages through for await',
    columns: [
      'adapter', 'peer', 'scenario', 'adapter msg/s', 'peer msg/s', 'speed (adapter/peer)',
      'adapter B/waiting msg', 'peer B/waiting msg', 'memory (adapter/peer)', 'adapter peak heap MB', 'peer peak heap MB',
    ],
    rows,
    notes: [
      target('fromEventEmitter >= 2x events.on', 'events.on', 2),
      target('fromEventEmitter not slower than event-iterator', 'event-iterator', 1),
      target('fromObservable >= 2x eachValueFrom', 'eachValueFrom', 2),
      `${MESSAGES} numbers per run; median of ${ROUNDS} alternating runs after ${WARM_UP} warm-up runs each; one child process per pair.`,
      `bursts: the source emits ${BURST} values per macrotask; waiting: it emits one value each time the consumer has taken the previous one (the consumer is always waiting, as with a live Comet feed); pull: the stream produces on demand.`,
      'msg/s counts the CPU time of the process (user + system), so other load on the machine does not skew the ratios.',
      'Every contender uses its default options, except event-iterator, whose highWaterMark is raised so it does not warn.',
      'events.on is wrapped in an async generator that yields the first argument, as a user would write it.',
      `fan-out xN: N consumers of one emitter (${FAN_OUT.join(' and ')}), each reading ${MESSAGES} / N values (at least ${BURST}) emitted ${BURST} per macrotask; msg/s counts every delivery to every consumer.`,
      `B/waiting msg: heap held per message buffered for a started consumer (${HELD_ITERATORS} iterators x ${HELD_EACH} messages, after gc).`,
      'Peak heap: most heap above the starting point during an untimed run of the first scenario (includes uncollected garbage).',
      "fromReadable pulls, so it holds nothing beyond the stream's own highWaterMark: no B/waiting msg figure.",
      `Adapters loaded from ${libraryOrigin()}.`,
    ],
  };
}

const flag = process.argv.indexOf(PAIR_FLAG);
if (flag !== -1) {
  applySettings(settingsFromArgv());
  const pair = pairs(await library())[Number(process.argv[flag + 1])] as Pair;
  const figures = await measurePair(pair);
  (process as { send?: (m: unknown) => void }).send?.({ pair: [pair.adapter, pair.peer], figures });
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(renderTable(await run(), 2));
}
