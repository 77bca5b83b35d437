/**
 * HEAD is answered, not streamed: plain http, Express 5 and Fastify 5 (which answers HEAD on GET
 * routes by itself) send the Comet headers and end at once; the source is returned unpulled; a
 * request pipelined behind the HEAD on the same keep-alive socket is answered.
 */
import { expect } from 'chai';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import http from 'node:http';
import net from 'node:net';
import { cometFastify } from '../../src/fastify.js';
import { sendComet } from '../../src/http/index.js';
import { listen, type Listening } from '../support/loopback.js';
import { SOURCES, type WatchedSource } from './fixtures/sources.js';
import { until } from '../support/timing.js';

/** Writes a HEAD and a GET in one write on one socket; resolves with everything read once the GET's body arrived. */
function pipelined(port: number, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the pipelined request within 3 s; got ${JSON.stringify(text)}`));
    }, 3000);
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      text += data;
      if (text.includes(until)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write('HEAD /comet HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /other HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** The HEAD response's head and the rest. */
function split(text: string): { head: string; rest: string } {
  const end = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, end).toLowerCase(), rest: text.slice(end + 4) };
}

describe('HEAD is answered, not streamed', () => {
  let server: Listening | undefined;
  let app: FastifyInstance | undefined;
  let source: WatchedSource;
  let results: unknown[];
  beforeEach(() => {
    source = SOURCES.fromEventEmitter();
    results = [];
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await app?.close();
    app = undefined;
  });

  async function expectAnswered(port: number): Promise<void> {
    const { head, rest } = split(await pipelined(port, 'other body'));
    expect(head).to.match(/^http\/1\.1 200/);
    expect(head).to.include('content-type: text/html; charset=utf-8');
    expect(head).to.include('x-accel-buffering: no');
    expect(rest).to.match(/^HTTP\/1\.1 200/); // no body before the second response
    expect(rest).to.include('other body');
    await until(() => source.held() === 0, { what: 'the source to let go' });
    expect(source.returned()).to.equal(1);
    expect(source.pulled()).to.equal(0);
  }

  it('plain node:http: sendComet resolves head', async () => {
    server = await listen((req, res) => {
      if (req.url === '/other') return void res.end('other body');
      void sendComet(res, source.chunks).then((r) => results.push(r));
    });
    await expectAnswered(server.port);
    expect(results).to.deep.equal(['head']);
  });

  it('Express 5', async () => {
    const application = express();
    application.get('/comet', (_req, res) => void sendComet(res, source.chunks).then((r) => results.push(r)));
    application.get('/other', (_req, res) => void res.send('other body'));
    server = await listen(http.createServer(application));
    await expectAnswered(server.port);
    expect(results).to.deep.equal(['head']);
  });

  it('Fastify 5, on the HEAD route it adds for a GET route', async () => {
    app = Fastify();
    await app.register(cometFastify);
    app.get('/comet', (_request, reply) => reply.comet(source.chunks).then((r) => void results.push(r)));
    app.get('/other', async () => 'other body');
    await app.listen({ port: 0, host: '127.0.0.1' });
    await expectAnswered((app.server.address() as { port: number }).port);
    expect(results).to.deep.equal(['head']);
  });

  it('a GET on the same route still streams (the HEAD check looks at the method)', async () => {
    server = await listen((_req, res) => void sendComet(res, (async function* () { yield 'one'; })()).then((r) => results.push(r)));
    expect(await fetch(server.url).then((r) => r.text())).to.equal('one');
    expect(results).to.deep.equal(['end']);
  });
});
