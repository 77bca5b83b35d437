/**
 * The framework examples of examples/frameworks, each run as its users would and checked by the
 * same client (fixtures/news-client.ts): Express, Koa and Fastify with `hub.serve` on Node's
 * request and response; Hono on Node (`@hono/node-server`, its program run in a process of its own,
 * as `npx tsx` would) and a Next.js route handler with `hub.fetch`. The Next.js route is compiled
 * against Next.js's route contract and called as Next.js calls it, with a web `Request`. (Hono on
 * Bun: test/runtimes/bun.test.ts.)
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { expressApp } from '../../examples/frameworks/express.js';
import { fastifyApp } from '../../examples/frameworks/fastify.js';
import { koaApp } from '../../examples/frameworks/koa.js';
import { hub as nextHub } from '../../examples/frameworks/next-hub.js';
import * as route from '../../examples/frameworks/next-route.js';
import { newsHub, tick } from '../../examples/frameworks/news.js';
import type { CometHub } from '../../src/index.js';
import { webServer } from '../hub/protocol/fixtures/edges.js';
import { read } from '../hub/fixtures/serve.js';
import { listen, type Listening } from '../support/loopback.js';
import { strictNodeNext } from '../support/typescript.js';
import { until } from '../support/timing.js';
import { checkNews } from './fixtures/news-client.js';
import { ROUTE_EXPORTS } from './fixtures/next-contract.js';

const root = resolve(import.meta.dirname, '../..');
const TICK_MS = 20;

describe('examples/frameworks', function () {
  this.timeout(30_000);

  describe('with hub.serve on Node', () => {
    let hub: CometHub<unknown>;
    let stop: () => void;
    let server: Listening | undefined;
    beforeEach(() => {
      hub = newsHub();
      stop = tick(hub, TICK_MS);
    });
    afterEach(async () => {
      stop();
      await server?.close();
      server = undefined;
      hub.close();
    });

    for (const [name, serverOf] of [
      ['express.ts: Express', (h: CometHub<unknown>) => http.createServer(expressApp(h))],
      ['koa.ts: Koa', (h: CometHub<unknown>) => http.createServer(koaApp(h).callback())],
    ] as const) {
      it(`${name}, every client's subscription gone once it left`, async () => {
        server = await listen(serverOf(hub));
        await checkNews(server.port);
        await until(() => hub.size === 0);
      });
    }

    it('fastify.ts: Fastify (reply.hijack() and the raw request and response), and app.close() ends the open streams cleanly', async () => {
      const app = fastifyApp(hub);
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const port = (app.server.address() as { port: number }).port;
        await checkNews(port);
        await until(() => hub.size === 0);
        const open = read(port, '/live?topic=news', () => false, 'GET', { accept: 'text/event-stream' });
        await until(() => hub.size === 1);
        await app.close();
        const { ended, body } = await open;
        expect(ended, 'a complete response').to.equal(true);
        expect(body.startsWith('event: $open\n')).to.equal(true);
        expect(hub.size).to.equal(0);
      } finally {
        await app.close();
      }
    });
  });

  describe('with hub.fetch', () => {
    let child: ChildProcess | undefined;
    afterEach(async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        await gone;
      }
      child = undefined;
    });

    it('hono.ts: Hono on Node through @hono/node-server, run as a program', async () => {
      child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/frameworks/hono.ts')], {
        env: { ...process.env, PORT: '0', TICK_MS: String(TICK_MS) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
      await until(() => out.includes('\n') || child!.exitCode !== null, { what: 'the example to listen' });
      const { port } = JSON.parse(out.slice(0, out.indexOf('\n'))) as { port: number };
      await checkNews(port);
    });

    it('next-route.ts: type-checks as a Next.js route file, under strict nodenext, exporting only what Next.js takes', function () {
      // a compile of the library's sources: a few seconds, many more on a busy machine; the limit only catches a hang
      this.timeout(180_000);
      const program = ts.createProgram([join(root, 'test/examples/fixtures/next-contract.ts')], strictNodeNext);
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).to.deep.equal([]);
      expect(program.getSourceFiles().map((f) => f.fileName)).to.include(join(root, 'examples/frameworks/next-route.ts'));
      expect(Object.keys(route).filter((name) => !ROUTE_EXPORTS.includes(name))).to.deep.equal([]);
      expect(route.dynamic).to.equal('force-dynamic');
    });

    it('next-route.ts: GET called with each web Request, as Next.js calls it, its Response written back', async () => {
      const stop = tick(nextHub, TICK_MS);
      const server = await webServer((request) => route.GET(request));
      try {
        await checkNews(server.port);
        await until(() => nextHub.size === 0);
      } finally {
        stop();
        await server.close();
      }
    });
  });
});
