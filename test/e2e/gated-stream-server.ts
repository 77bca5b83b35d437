/**
 * A test server for real-browser Comet tests.
 *
 * Each registered stream gets a page, `/page/<id>`, holding a forever iframe on `/stream/<id>`. The
 * iframe's chunks call `parent.onMessage(value)`, which pushes the value onto `window.received`;
 * the iframe's `load` event (fired when the response ends) sets `window.streamEnded`. The stream
 * sends its first message, then waits for {@link GatedStream.release} before sending the rest and
 * ending, so a test can see the first message in the page while the response is still open.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Comet } from '../../src/comet/index.js';
import { sendComet } from '../../src/http/index.js';

/** The callback every stream's chunks call. */
export const RECEIVER = 'parent.onMessage';

/** One registered stream. */
export interface GatedStream {
  /** The page to load. */
  readonly pageUrl: string;
  /** The stream's response, once the iframe has requested it. */
  readonly response: http.ServerResponse | undefined;
  /** Lets the stream send the messages after the first, then end. */
  release(): void;
  /** Settles when `sendComet` has finished (resolves on a normal end). */
  readonly sent: Promise<unknown>;
}

/** A running gated-stream server. */
export interface GatedStreamServer {
  readonly url: string;
  /** Registers a stream of `messages` encoded with `Comet.string` or `Comet.json`. */
  register(kind: 'string' | 'json', messages: readonly unknown[]): GatedStream;
  close(): Promise<void>;
}

const PAGE = (id: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>Comet stream ${id}</title></head>
<body>
<script>
  window.received = [];
  window.streamEnded = false;
  function onMessage(value) { window.received.push(value); }
</script>
<iframe id="stream" src="/stream/${id}" onload="window.streamEnded = true"></iframe>
</body></html>
`;

async function* firstThenGate<T>(messages: readonly T[], gate: Promise<void>): AsyncGenerator<T> {
  for (let i = 0; i < messages.length; i++) {
    if (i === 1) await gate;
    yield messages[i] as T;
  }
}

interface Entry {
  kind: 'string' | 'json';
  messages: readonly unknown[];
  gate: Promise<void>;
  release: () => void;
  response: http.ServerResponse | undefined;
  started: (sent: Promise<unknown>) => void;
}

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startGatedStreamServer(): Promise<GatedStreamServer> {
  const entries = new Map<string, Entry>();
  const server = http.createServer((req, res) => {
    const match = /^\/(page|stream)\/(\d+)$/.exec(req.url ?? '');
    const entry = match ? entries.get(match[2] as string) : undefined;
    if (!match || !entry) {
      res.writeHead(404).end();
    } else if (match[1] === 'page') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE(match[2] as string));
    } else if (entry.response !== undefined) {
      res.writeHead(409).end();
    } else {
      entry.response = res;
      const source = firstThenGate(entry.messages, entry.gate);
      const chunks =
        entry.kind === 'string'
          ? Comet.string(RECEIVER)(source as AsyncIterable<string>)
          : Comet.json(RECEIVER)(source);
      entry.started(sendComet(res, chunks));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let next = 0;

  return {
    url,
    register(kind, messages) {
      const id = String(++next);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: (sent: Promise<unknown>) => void;
      const sent = new Promise<unknown>((resolve) => (started = resolve));
      const entry: Entry = { kind, messages, gate, release, response: undefined, started };
      entries.set(id, entry);
      return {
        pageUrl: `${url}/page/${id}`,
        get response() {
          return entry.response;
        },
        release,
        sent,
      };
    },
    async close() {
      for (const entry of entries.values()) entry.release();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
