import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import sinon from 'sinon';
import { cometFastify, type CometReplyMethod, type ReplyCometResult } from '../../src/fastify.js';
import { ScriptedResponse } from '../support/scripted.js';
import { expectHeartbeats, gated, open, reader, ticking, ticks, tornDown } from '../support/loopback.js';

describe('cometFastify with Fastify 5', () => {
  let app: FastifyInstance | undefined;
  let stopTicker: (() => void) | undefined;
  afterEach(async () => {
    stopTicker?.();
    stopTicker = undefined;
    await app?.close();
    app = undefined;
  });

  async function start(setup: (app: FastifyInstance) => void): Promise<string> {
    app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(cometFastify);
    setup(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  it('is marked to decorate the instance it is registered on', () => {
    const marks = cometFastify as unknown as Record<symbol, unknown>;
    expect(marks[Symbol.for('skip-override')]).to.equal(true);
    expect(marks[Symbol.for('fastify.display-name')]).to.equal('comet-bridge');
  });

  it('reply.comet streams with the Comet headers, keeping reply headers and status', async () => {
    const { source, release } = gated('<p>1</p>', '<p>2</p>');
    const url = await start((root) =>
      root.get('/comet', (_request, reply) => {
        reply.code(201).header('access-control-allow-origin', '*');
        return reply.comet(source());
      }),
    );
    const { res } = await open(`${url}/comet`);
    expect(res.statusCode).to.equal(201);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['x-accel-buffering']).to.equal('no');
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    const body = reader(res, (text) => text.includes('<p>1</p>'));
    expect(await body.seen).to.equal('<p>1</p>');
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<p>1</p><p>2</p>');
  });

  it('reply.comet passes heartbeatMs on: newlines while the source is idle', async () => {
    const { source, release } = gated('<p>1</p>', '<p>2</p>');
    const url = await start((root) => root.get('/comet', (_request, reply) => reply.comet(source(), { heartbeatMs: 10 })));
    await expectHeartbeats((await open(`${url}/comet`)).res, '<p>1</p>', '<p>2</p>', release);
  });

  it('tears the source down when the client leaves', async () => {
    const tick = ticking();
    stopTicker = tick.stop;
    let finished: Promise<ReplyCometResult> | undefined;
    const url = await start((root) =>
      root.get('/comet', (_request, reply) => {
        finished = reply.comet(tick.source);
      }),
    );
    const { req, res } = await open(`${url}/comet`);
    await reader(res, ticks(2)).seen;
    req.destroy();
    await tornDown(tick);
    expect(await finished).to.equal('client-gone');
  });

  it('a failing source aborts the response and is logged, without rejecting', async () => {
    const boom = new Error('boom');
    async function* source() {
      yield 'one';
      throw boom;
    }
    const logged = sinon.spy();
    let finished: Promise<ReplyCometResult> | undefined;
    const url = await start((root) =>
      root.get('/comet', (_request, reply) => {
        reply.log = Object.assign(Object.create(reply.log), { error: logged });
        finished = reply.comet(source(), { heartbeatMs: 1000 });
      }),
    );
    const { res } = await open(`${url}/comet`);
    const body = reader(res);
    expect(await body.ended).to.equal('aborted');
    expect(body.text()).to.equal('one');
    expect(await finished).to.equal('failed');
    expect(logged.callCount).to.equal(1);
    expect(logged.firstCall.args).to.deep.equal([{ err: boom }, 'comet stream failed']);
  });

  it('reply.comet rejects bad options at once, before taking the reply over', () => {
    let comet: CometReplyMethod['comet'] | undefined;
    cometFastify({ decorateReply: (_name: string, fn: unknown) => (comet = fn as typeof comet), addHook: () => {} }, {}, () => {});
    const reply = { raw: new ScriptedResponse().asResponse(), hijack: sinon.spy(), getHeaders: () => ({}), log: { error() {} } };
    const chunks = gated('a', 'b').source();
    expect(() => comet!.call(reply, chunks, null as never)).to.throw(TypeError, 'reply.comet: options must be an object, got null');
    expect(reply.hijack.callCount).to.equal(0);
  });
});
