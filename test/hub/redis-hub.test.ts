import { expect } from 'chai';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import sinon from 'sinon';
import { createRedisHub, cometEncoding, HubClosedError, HubConnectionError, type RedisHub } from '../../src/hub/index.js';
import { redisForTests, type RedisServer } from './fixtures/redis-server.js';
import { take } from './fixtures/take.js';

type Flavor = 'node-redis' | 'ioredis';
interface Client {
  raw: object;
  command(args: string[]): Promise<unknown>;
  /** Runs the commands in one MULTI/EXEC transaction. */
  atomically(commands: string[][]): Promise<unknown>;
  close(): Promise<void>;
}

async function connect(flavor: Flavor, url: string): Promise<Client> {
  const retry = (n: number): number => Math.min(n * 20, 200);
  if (flavor === 'node-redis') {
    const c = createClient({ url, socket: { reconnectStrategy: retry } });
    c.on('error', () => {});
    await c.connect();
    return {
      raw: c,
      command: (args) => c.sendCommand(args),
      atomically: (commands) => commands.reduce((multi, args) => multi.addCommand(args), c.multi()).exec(),
      close: async () => void c.destroy(),
    };
  }
  const c = new Redis(url, { retryStrategy: retry });
  c.on('error', () => {});
  await new Promise<void>((resolve) => c.once('ready', () => resolve()));
  return {
    raw: c,
    command: (args) => c.call(args[0]!, ...args.slice(1)),
    atomically: (commands) => commands.reduce((multi, [name, ...args]) => multi.call(name!, ...args), c.multi()).exec(),
    close: async () => void c.disconnect(),
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createRedisHub: options', () => {
  it('rejects missing or unrecognised clients and bad options synchronously', () => {
    expect(() => createRedisHub({ channel: 'c' } as never)).to.throw(TypeError, /client/);
    expect(() => createRedisHub({ channel: 'c', client: {} })).to.throw(TypeError, /node-redis .* or ioredis/);
    expect(() => createRedisHub({ channel: '', client: {} })).to.throw(TypeError, /channel/);
    expect(() => createRedisHub({ channel: 'c', client: {}, history: -1 })).to.throw(RangeError, /history/);
    expect(() => createRedisHub({ channel: 'c', client: {}, serialize: 1 as never })).to.throw(TypeError, /serialize/);
    expect(() => createRedisHub({ channel: 'c', client: createClient() })).to.throw(TypeError, /client is not connected/);
  });

  it('closes the duplicate it made when that duplicate cannot connect', async () => {
    const refused = new Error('connection refused');
    const dup = { isOpen: false, on() {}, subscribe() {}, sendCommand() {}, connect: () => Promise.reject(refused), destroy: sinon.spy() };
    const client = { isOpen: true, on() {}, subscribe() {}, sendCommand() {}, duplicate: () => dup };
    expect(await createRedisHub({ channel: 'c', client }).then(() => null, (e: unknown) => e)).to.equal(refused);
    expect(dup.destroy.callCount).to.equal(1);
  });
});

describe('createRedisHub', function () {
  this.timeout(20_000);
  let server: RedisServer | null = null;
  let url = '';
  let n = 0;
  const cleanup: (() => Promise<void>)[] = [];

  before(async () => {
    ({ url, server } = await redisForTests());
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });
  after(async () => {
    await server?.stop();
  });

  for (const flavor of ['node-redis', 'ioredis'] as const) {
    async function client(): Promise<Client> {
      const c = await connect(flavor, url);
      cleanup.push(() => c.close());
      return c;
    }
    async function hub<T>(options: Parameters<typeof createRedisHub<T>>[0]): Promise<RedisHub<T>> {
      const h = await createRedisHub<T>(options);
      cleanup.push(() => h.close());
      return h;
    }
    const channel = (): string => `hub-test-${flavor}-${process.pid}-${++n}`;

    describe(flavor, () => {
      it('delivers in order with the same Redis-assigned ids in every hub of the channel', async () => {
        const c = await client();
        const ch = channel();
        const a = await hub<number>({ client: c.raw, channel: ch });
        const b = await hub<number>({ client: c.raw, channel: ch });
        const sa = a.subscribe();
        const sb = b.subscribe();
        const ids = await Promise.all([1, 2, 3, 4, 5].map((v) => a.publish(v * 10)));
        expect(ids).to.deep.equal([1, 2, 3, 4, 5]);
        expect(await take(sa, 5)).to.deep.equal([10, 20, 30, 40, 50]);
        expect(await take(sb, 5)).to.deep.equal([10, 20, 30, 40, 50]);
        expect(sa.lastId).to.equal(5);
        expect(b.lastId).to.equal(5);
        // each hub has an epoch of its own, fixed for its life
        expect(a.epoch).to.match(/^[A-Za-z0-9_-]{16}$/);
        expect(b.epoch).to.match(/^[A-Za-z0-9_-]{16}$/).and.not.equal(a.epoch);
        expect(a.stats()).to.deep.include({ sent: 5, published: 5, delivered: 5, malformed: 0, connected: true });
        expect(b.stats()).to.deep.include({ sent: 0, published: 5, delivered: 5 });
      });

      it('replays local history from since; encodes once per message with cometEncoding', async () => {
        const c = await client();
        const encoding = cometEncoding<string>('cb', { kind: 'string', initialChunk: null, coalesce: false });
        const h = await createRedisHub<string, string>({ client: c.raw, channel: channel(), history: 10, ...encoding });
        cleanup.push(() => h.close());
        const live = h.subscribe();
        await Promise.all(['a', 'b', 'c'].map((v) => h.publish(v)));
        await take(live, 3);
        const late = h.subscribe({ since: 1 });
        expect(await take(late, 2)).to.deep.equal([`<script type="text/javascript">cb('b',2);</script>`, `<script type="text/javascript">cb('c',3);</script>`]);
      });

      it('skips and counts malformed messages on the channel', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub<number>({ client: c.raw, channel: ch });
        const s = h.subscribe();
        await c.command(['PUBLISH', ch, 'no id here']);
        await c.command(['PUBLISH', ch, '7:{not json']);
        await h.publish(1);
        expect(await take(s, 1)).to.deep.equal([1]);
        expect(h.stats().malformed).to.equal(2);
      });

      it('publish rejects values that do not serialize, and after close', async () => {
        const c = await client();
        const h = await hub<unknown>({ client: c.raw, channel: channel() });
        expect(await h.publish(undefined).then(() => null, (e: unknown) => e)).to.be.instanceOf(TypeError);
        await h.close();
        expect(await h.publish(1).then(() => null, (e: unknown) => e)).to.be.instanceOf(HubClosedError);
        expect(await h.subscribe().next()).to.deep.equal({ value: undefined, done: true });
      });

      it('close() unsubscribes and closes only the connection it created', async () => {
        const c = await client();
        const ch = channel();
        const count = async (): Promise<number> => String(await c.command(['CLIENT', 'LIST'])).trim().split('\n').length;
        const before = await count();
        const h = await createRedisHub<number>({ client: c.raw, channel: ch });
        expect(await count()).to.equal(before + 1);
        const s = h.subscribe();
        await h.close();
        expect(await s.next()).to.deep.equal({ value: undefined, done: true });
        await until(async () => (await count()) === before, 'the duplicate connection to close');

        const sub = await client();
        const own = await createRedisHub<number>({ publisher: c.raw, subscriber: sub.raw, channel: ch });
        expect(await c.command(['PUBSUB', 'NUMSUB', ch])).to.deep.equal([ch, 1]);
        await own.close();
        expect(await c.command(['PUBSUB', 'NUMSUB', ch])).to.deep.equal([ch, 0]);
        expect(await c.command(['PING'])).to.equal('PONG');
      });

      it("starts from the channel's last id, so since counts what this process never saw", async () => {
        const c = await client();
        const ch = channel();
        const first = await hub<number>({ client: c.raw, channel: ch });
        await Promise.all([1, 2, 3].map((v) => first.publish(v)));
        const late = await hub<number>({ client: c.raw, channel: ch, history: 10 });
        expect(late.lastId).to.equal(3);
        const s = late.subscribe({ since: 1 });
        expect(s.missed).to.equal(2);
        await first.publish(4);
        expect(await take(s, 1)).to.deep.equal([4]);
        expect(s.lastId).to.equal(4);
      });

      it('after a reconnection, since counts the messages sent while the subscriber was down', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub<number>({ client: c.raw, channel: ch, history: 10 });
        const s = h.subscribe();
        await h.publish(1);
        expect(await take(s, 1)).to.deep.equal([1]);
        const failed = s.next().then(() => null, (e: unknown) => e);
        // in one step: drop the subscriber connection, and let two messages go by elsewhere
        await c.atomically([['CLIENT', 'KILL', 'TYPE', 'pubsub'], ['INCRBY', `${ch}:id`, '2']]);
        expect(await failed).to.be.instanceOf(HubConnectionError);
        await until(() => h.connected, 'the subscriber to reconnect');
        expect(h.lastId).to.equal(3);
        const again = h.subscribe({ since: 1 });
        expect(again.missed).to.equal(2);
        await h.publish(4);
        expect(await take(again, 1)).to.deep.equal([4]);
      });

      it('counts as sent only what Redis accepted', async () => {
        const pub = await connect(flavor, url);
        const sub = await client();
        const h = await hub<number>({ publisher: pub.raw, subscriber: sub.raw, channel: channel() });
        await pub.close();
        expect(await h.publish(1).then(() => null, (e: unknown) => e)).to.be.instanceOf(Error);
        expect(h.stats().sent).to.equal(0);
      });

      it('a lost subscriber connection fails every subscriber with HubConnectionError, then recovers', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub<number>({ client: c.raw, channel: ch });
        const s = h.subscribe();
        await h.publish(1);
        expect(await take(s, 1)).to.deep.equal([1]);
        const pending = s.next();
        await c.command(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
        const error = await pending.then(() => null, (e: unknown) => e);
        expect(error).to.be.instanceOf(HubConnectionError);
        expect((error as HubConnectionError).code).to.equal('ERR_COMET_HUB_CONNECTION');
        expect(h.size).to.equal(0);
        expect(h.stats().disconnects).to.equal(1);
        await until(() => h.connected, 'the subscriber to reconnect');
        await until(async () => Number((await c.command(['PUBSUB', 'NUMSUB', ch]) as unknown[])[1]) === 1, 'resubscription');
        const again = h.subscribe();
        await h.publish(2);
        expect(await take(again, 1)).to.deep.equal([2]);
      });
    });
  }
});
