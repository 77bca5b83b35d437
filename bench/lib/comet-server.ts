/**
 * The server side of the scale, growth and soak benchmarks: every GET is a Comet stream fed by a
 * broadcast hub (`cometHub`), or, when the library has no hub, by one push queue per connection
 * and a publishing loop over them.
 */
import type { ServerResponse } from 'node:http';
import type { Library } from './library.js';
import { connections, listen, type LoopbackServer } from './server.js';

/** A Comet broadcast server on loopback. */
export interface CometServer {
  readonly port: number;
  /** 'hub' (cometHub) or 'loop' (a push queue per connection). */
  readonly mode: 'hub' | 'loop';
  /** Sends one message to every open stream. */
  publish(value: unknown): void;
  /** Streams open now (hub subscribers, or queues). */
  size(): number;
  /** Sockets the HTTP server holds. */
  sockets(): Promise<number>;
  /** Messages dropped for slow clients so far (hub only; 0 otherwise). */
  dropped(): number;
  /** Streams whose sendComet promise rejected. */
  readonly failures: number;
  close(): Promise<void>;
}

/** Options of {@link startCometServer}. */
export interface CometServerOptions {
  /** Use the publishing loop even when the hub exists. */
  forceLoop?: boolean;
  /** Per-client buffer limit (default 1024) and policy (default 'drop-oldest'). */
  limit?: number;
  /** Called with each stream's response (to write to the same sockets outside the library). */
  onStream?: (res: ServerResponse) => void;
}

/** Starts the Comet broadcast server. */
export async function startCometServer(lib: Library, options: CometServerOptions = {}): Promise<CometServer> {
  const callback = 'parent.cometMessage';
  const limit = options.limit ?? 1024;
  const hasHub = typeof (lib as Partial<Library>).cometHub === 'function' && !options.forceLoop;
  let failures = 0;
  const fail = (): void => {
    failures++;
  };

  if (hasHub) {
    const hub = lib.cometHub(callback, { policy: 'drop-oldest', limit });
    const server: LoopbackServer = await listen((_req, res) => {
      options.onStream?.(res);
      sendStream(lib, res, hub.subscribe()).catch(fail);
    });
    return {
      port: server.port,
      mode: 'hub',
      publish: (value) => void hub.publish(value),
      size: () => hub.size,
      sockets: () => connections(server.server),
      dropped: () => {
        const d = hub.stats().dropped;
        return d['drop-oldest'] + d['drop-newest'];
      },
      get failures() {
        return failures;
      },
      async close() {
        hub.close();
        await server.close();
      },
    };
  }

  const encoder = lib.Comet.encoder<unknown>('json', callback);
  const controllers = new Set<{ push(chunk: string): void }>();
  const server = await listen((_req, res) => {
    options.onStream?.(res);
    const queue = lib.pushQueue<string>(
      (c) => {
        controllers.add(c);
        return () => controllers.delete(c);
      },
      { buffer: { limit, overflow: 'drop-oldest' } },
    );
    sendStream(lib, res, prepend(encoder.initialChunk, queue)).catch(fail);
  });
  return {
    port: server.port,
    mode: 'loop',
    publish(value) {
      const chunk = encoder.encode(value);
      for (const c of controllers) c.push(chunk);
    },
    size: () => controllers.size,
    sockets: () => connections(server.server),
    dropped: () => 0,
    get failures() {
      return failures;
    },
    close: () => server.close(),
  };
}

function sendStream(lib: Library, res: ServerResponse, chunks: AsyncIterable<string>): Promise<unknown> {
  return lib.sendComet(res, chunks);
}

async function* prepend(first: string | null, rest: AsyncIterable<string>): AsyncGenerator<string> {
  if (first !== null) yield first;
  yield* rest;
}

/**
 * The baseline of the memory benchmarks: a server whose every GET gets the Comet headers and the same
 * initial chunk and is then held open, doing nothing; `held` are the responses open now.
 */
export async function startBareServer(lib: Library): Promise<LoopbackServer & { held: Set<ServerResponse> }> {
  const held = new Set<ServerResponse>();
  const server = await listen((_req, res) => {
    res.writeHead(200, lib.cometHeaders);
    res.write(lib.Comet.initialHtmlChunk);
    held.add(res);
    res.on('close', () => held.delete(res));
  });
  return { ...server, held };
}
