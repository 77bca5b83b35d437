/**
 * Interleaving: several enumerators feed one iteratee, each element as it comes.
 */
import { onAbort } from '../util/abort.js';
import { EMPTY, EOF, type Input } from './input.js';
import { applyK, cont, done, flatten, type Iteratee } from './iteratee.js';
import type { ApplyFn } from './drive.js';

/**
 * Applies every source at once to a shared iteratee. Feeding is serialised, so the iteratee sees
 * one input at a time. EOF reaches it only once every source has sent EOF. When it is Done or in
 * Error the sources are stopped; when one source fails the others are stopped and the result
 * rejects with that error. Resolves with the shared iteratee once every source has finished.
 */
export function interleaveApply<E>(sources: readonly ApplyFn<E>[]): ApplyFn<E> {
  return async <A>(it: Iteratee<E, A>, signal?: AbortSignal): Promise<Iteratee<E, A>> => {
    const controller = new AbortController();
    const dispose = onAbort(signal, () => controller.abort());
    let shared = it;
    let lock: Promise<unknown> = Promise.resolve();
    let eofs = 0;

    /** Feeds one input to the shared iteratee after the inputs before it; resolves true while it is in Cont. */
    const feed = (input: Input<E>): Promise<boolean> => {
      const fed = lock.then(async () => {
        const s = await shared.step();
        if (s.kind !== 'cont') return false;
        shared = applyK(s.k, input);
        return (await shared.step()).kind === 'cont';
      });
      lock = fed.then(undefined, () => undefined);
      return fed.then((more) => {
        if (!more) controller.abort();
        return more;
      });
    };

    const member = (): Iteratee<E, void> => {
      const k = (input: Input<E>): Iteratee<E, void> => {
        if (controller.signal.aborted) return done(undefined, EMPTY);
        if (input.kind === 'eof') {
          if (++eofs === sources.length) void feed(EOF).catch(() => undefined);
          return done(undefined, EOF);
        }
        return flatten(feed(input).then((more) => (more ? cont(k) : done<E, void>(undefined, EMPTY))));
      };
      return cont(k);
    };

    try {
      await Promise.all(
        sources.map((apply) =>
          apply(member(), controller.signal).catch((error: unknown) => {
            controller.abort();
            throw error;
          }),
        ),
      );
      await lock;
      return shared;
    } finally {
      dispose();
    }
  };
}
