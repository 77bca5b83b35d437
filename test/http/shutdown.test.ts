/**
 * Shutdown is prompt: Fastify's app.close() ends every open Comet stream (the plugin's preClose
 * hook); for node:http and Express, aborting the signal given to sendComet before server.close()
 * does the same. Either way the clients see a cleanly ended response and the close completes
 * within 1 s with them connected.
 */
import { expect } from 'chai';
import express from 'express';
import Fastify from 'fastify';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cometFastify } from '../../src/fastify.js';
import { sendComet } from '../../src/http/index.js';
import { reader, ticking, ticks } from '../support/loopback.js';
import { until } from '../support/timing.js';

const CLIENTS = 3;

/** A GET over a keep-alive connection, as browsers make it (a `Connection: close` request would let the server drop it at once). */
function openKeepAlive(url: string, agent: http.Agent): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, { agent }, resolve).once('error', reject));
}

/** Opens `CLIENTS` streams and waits until each has received two ticks; returns how each body ends. */
async function connect(port: number): Promise<Promise<'end' | 'aborted'>[]> {
  const ended: Promise<'end' | 'aborted'>[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  for (let i = 0; i < CLIENTS; i++) {
    const res = await openKeepAlive(`http://127.0.0.1:${port}/comet`, agent);
    expect(res.headers.connection).to.equal('keep-alive');
    const body = reader(res, ticks(2));
    await body.seen;
    ended.push(body.ended);
  }
  return ended;
}

/** Milliseconds `close` takes. */
async function timed(close: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await close();
  return performance.now() - t0;
}

describe('shutdown is prompt', () => {
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  it('Fastify: app.close() ends every open stream cleanly and resolves within 1 s (default connection handling)', async () => {
    const results: Promise<unknown>[] = [];
    const listeners: (() => number)[] = [];
    const app = Fastify();
    await app.register(cometFastify);
    app.get('/comet', (_request, reply) => {
      const tick = ticking();
      stops.push(tick.stop);
      listeners.push(() => tick.emitter.listenerCount('tick'));
      results.push(reply.comet(tick.source));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const ended = await connect((app.server.address() as AddressInfo).port);
    const ms = await timed(() => app.close());
    expect(ms).to.be.below(1000);
    expect(await Promise.all(ended)).to.deep.equal(Array(CLIENTS).fill('end'));
    expect(await Promise.all(results)).to.deep.equal(Array(CLIENTS).fill('shutdown'));
    await until(() => listeners.every((count) => count() === 0), { what: 'every source to let go' });
  });

  for (const kind of ['node:http', 'Express 5'] as const) {
    it(`${kind}: aborting sendComet's signal, then server.close(), ends the streams cleanly within 1 s`, async () => {
      const shutdown = new AbortController();
      const results: Promise<unknown>[] = [];
      const listeners: (() => number)[] = [];
      const handler = (res: http.ServerResponse): void => {
        const tick = ticking();
        stops.push(tick.stop);
        listeners.push(() => tick.emitter.listenerCount('tick'));
        results.push(sendComet(res, tick.source, { signal: shutdown.signal }));
      };
      let server: http.Server;
      if (kind === 'node:http') {
        server = http.createServer((_req, res) => handler(res));
      } else {
        const application = express();
        application.get('/comet', (_req, res) => handler(res));
        server = http.createServer(application);
      }
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const ended = await connect((server.address() as AddressInfo).port);
      const ms = await timed(() => {
        shutdown.abort();
        return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      });
      expect(ms).to.be.below(1000);
      expect(await Promise.all(ended)).to.deep.equal(Array(CLIENTS).fill('end'));
      expect(await Promise.all(results)).to.deep.equal(Array(CLIENTS).fill('shutdown'));
      await until(() => listeners.every((count) => count() === 0), { what: 'every source to let go' });
    });
  }
});
