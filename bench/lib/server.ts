/** A loopback HTTP server for benchmarks, and its shutdown. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening server on 127.0.0.1 with an ephemeral port. */
export interface LoopbackServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 (ephemeral port, large backlog, no request timeouts). */
export async function listen(handler: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 }, handler);
  server.maxConnections = 1 << 20;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Number of sockets the server holds open. */
export function connections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}
