import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import _ from 'highland';
import { Subject } from 'rxjs';
import {
  fromEventEmitter,
  fromHighland,
  fromObservable,
  fromPublisher,
  fromReadable,
  pushQueue,
} from '../../src/source/index.js';
import { ScriptPublisher } from './fixtures/harnesses.js';

/** Each public function of the source layer with options, called with `options`. */
const calls: [where: string, call: (options: object) => unknown][] = [
  ['pushQueue', (o) => pushQueue(() => {}, o)],
  ['fromEventEmitter', (o) => fromEventEmitter(new EventEmitter(), 'tick', o)],
  ['fromReadable', (o) => fromReadable(new Readable({ read() {} }), o)],
  ['fromHighland', (o) => fromHighland(_([1]) as never, o)],
  ['fromObservable', (o) => fromObservable(new Subject(), o)],
  ['fromPublisher', (o) => fromPublisher(new ScriptPublisher(), o)],
];

describe('source options: unknown names and limits are refused where they are given', () => {
  for (const [where, call] of calls) {
    it(`${where} refuses an unknown option with a TypeError naming it`, () => {
      expect(() => call({ sginal: new AbortController().signal })).to.throw(
        TypeError,
        new RegExp(`^${where}: unknown option 'sginal' \\(known options: .*'signal'`),
      );
    });

    it(`${where} accepts its known options and ignores keys set to undefined`, async () => {
      const it = call({ signal: new AbortController().signal, misspelt: undefined }) as AsyncIterator<unknown>;
      await it.return?.();
    });
  }

  for (const [where, call] of calls.filter(([w]) => ['pushQueue', 'fromEventEmitter', 'fromObservable'].includes(w))) {
    it(`${where} refuses an unknown buffer option and a limit out of range, naming itself`, () => {
      expect(() => call({ buffer: { limt: 5 } })).to.throw(TypeError, new RegExp(`^${where}: options.buffer: unknown option 'limt'`));
      // the figure itself is the shared describeNumber's (String(2 ** 60) today)
      expect(() => call({ buffer: { limit: 2 ** 60 } })).to.throw(
        RangeError,
        new RegExp(`^${where}: options.buffer.limit must be a positive integer or Infinity, got 115292150460684\\d{4}$`),
      );
      expect(() => call({ signal: 'stop' })).to.throw(TypeError, `${where}: options.signal must be an AbortSignal, got a string`);
    });
  }
});
