/**
 * docs/protocol.md shows real bytes: every fenced block whose info says `check=NAME` is compared
 * with what `hub.serve` sends in the scenario of that name, over a real socket on 127.0.0.1, and
 * with what `hub.fetch` sends (its `Response` written back by a Node http server), but for the
 * scenarios of a Node response alone (`stopComet`).
 *
 * How a block shows a response (the document says the same in its "Examples" section):
 * - `http`: the status line and the headers, without those Node's http server adds itself (`Date`,
 *   `Connection`, `Keep-Alive`, `Transfer-Encoding`); header names compared in any case. A blank
 *   line, then the body, when the block shows one (less its final LF, when it ends with one).
 * - `html`: a Comet body, one chunk a line (on the wire nothing separates them).
 * - `text`: an event stream, exactly: the block's lines, each ended by LF.
 * In every block the hub's epoch is written {@link EPOCH} and Play's padding of 5,120 spaces
 * `[5120 spaces]`. The one block whose info says `ticket` is checked apart: its ticket is what
 * `hub.ticket` makes of the inputs it names.
 */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cometHub, stopComet, type CometHub } from '../../src/index.js';
import { fences, infoWords } from '../support/markdown.js';
import { CB, read, serverFor, type Read, type Serve } from '../hub/fixtures/serve.js';
import { edges, type Edge, type SuiteOptions } from '../hub/protocol/fixtures/edges.js';
import sinon from 'sinon';
import { until } from '../support/timing.js';

const root = resolve(import.meta.dirname, '../..');
const doc = 'docs/protocol.md';
const blocks = fences(readFileSync(join(root, doc), 'utf8'));
const checked = blocks.filter((f) => infoWords(f.info).has('check'));

/** How the examples write the hub's epoch (a real one is 16 random base64url characters). */
const EPOCH = 'vQ0m3Zb8TqLx2WkA';
const PADDING = ' '.repeat(5120);
const SSE = { accept: 'text/event-stream' };
/** What Node's http server adds to every response by itself. */
const NODE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** A message of a named topic, where a scenario publishes (a bare value is one of the default topic). */
class OnTopic {
  constructor(
    readonly topic: string,
    readonly value: unknown,
  ) {}
}
const on = (topic: string, value: unknown): OnTopic => new OnTopic(topic, value);

function publish(hub: CometHub<unknown>, message: unknown): void {
  if (message instanceof OnTopic) hub.publish(message.value, { topic: message.topic });
  else hub.publish(message);
}

/** One request to a hub's `serve` route: its path, method, headers, and what happens once the hub has the subscriber. */
interface Request {
  path: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** Publishes once the response is subscribed (when it subscribes at all), then closes the hub, which ends the response. */
  live?: unknown[];
  /**
   * Reads until the body holds this (a heartbeat), and keeps the body up to its first occurrence
   * (or until the body is far longer than any example, so that a wrong text fails the comparison).
   */
  until?: string;
}

interface Scenario {
  /** The hub and what it has published before the request. */
  hub: () => CometHub<unknown>;
  /** What answers the request on a Node response alone (default: the edge of the hub). */
  serve?: Serve;
  options?: SuiteOptions;
  request: (epoch: string) => Request;
}

const jsonHub = (...published: unknown[]) => () => {
  const hub = cometHub<unknown>(CB, { history: 3 });
  for (const message of published) publish(hub, message);
  return hub;
};
const stringHub = () => cometHub<unknown>(CB, { kind: 'string', history: 3 });

/** The hub of the topic examples: news 1 to 5, sport 6 and user:42 7 published before the request. */
const topicHub = jsonHub(...[1, 2, 3, 4, 5].map((n) => on('news', `n${n}`)), on('sport', 's6'), on('user:42', 'u7'));
/** Topics published live in the topic examples: one the request did not ask for, then one it did. */
const topicLive = [on('sport', 's8'), on('news', 'n9')];
/** The `authorize` of the refusal examples: every user may read `news`, nothing else. */
const newsOnly: SuiteOptions = { authorize: (_req, topics) => topics.every((t) => t === 'news') };

const beat = '<script type="text/javascript">parent.cometMessage({"type":"beat"},0);</script>';

const scenarios: Record<string, Scenario> = {
  'comet-first': { hub: jsonHub({ n: 1 }), request: () => ({ path: '/live', live: [{ n: 2 }, { n: 3 }] }) },
  'comet-string': { hub: stringHub, request: () => ({ path: '/live', live: ["it's <b>", 'two\nlines'] }) },
  'comet-replay': { hub: jsonHub(1, 2, 3, 4, 5), request: (e) => ({ path: `/live?epoch=${e}&since=1`, live: [] }) },
  'comet-reset': { hub: jsonHub(1, 2, 3, 4, 5), request: () => ({ path: '/live?epoch=anOlderRun&since=9', live: [] }) },
  'comet-ahead': { hub: jsonHub(1, 2), request: (e) => ({ path: `/live?epoch=${e}&since=3`, live: [3, 4] }) },
  'comet-beat': { hub: jsonHub(), options: { heartbeatMs: 20 }, request: () => ({ path: '/live', until: beat }) },
  'comet-rotate': { hub: jsonHub(), options: { maxBytes: 1 }, request: () => ({ path: '/live', live: [{ n: 1 }] }) },
  'comet-stop': { hub: jsonHub(1), options: { stop: true }, request: () => ({ path: '/live' }) },
  'comet-stop-alone': { hub: jsonHub(), serve: (_req, res) => stopComet(res, CB), request: () => ({ path: '/live' }) },
  'comet-bad': { hub: jsonHub(), request: () => ({ path: '/live?since=3' }) },
  'comet-head': { hub: jsonHub(), request: () => ({ path: '/live', method: 'HEAD' }) },
  'comet-topics': { hub: topicHub, request: (e) => ({ path: `/live?topic=news&topic=user:42&epoch=${e}&since=1`, live: topicLive }) },
  'comet-forbidden': { hub: jsonHub(), options: newsOnly, request: () => ({ path: '/live?topic=news&topic=user:7' }) },
  'comet-failed': {
    hub: jsonHub(),
    options: {
      authorize: () => {
        throw new Error('the session store is down');
      },
    },
    request: () => ({ path: '/live?topic=news' }),
  },
  'sse-first': { hub: jsonHub({ n: 1 }), options: { retry: 2000 }, request: () => ({ path: '/live', headers: SSE, live: [{ n: 2 }, { n: 3 }] }) },
  'sse-string': { hub: stringHub, request: () => ({ path: '/live', headers: SSE, live: ["it's <b>", 'two\nlines'] }) },
  'sse-replay': {
    hub: jsonHub(1, 2, 3, 4, 5),
    request: (e) => ({ path: `/live?lastEventId=${e}:1`, headers: { ...SSE, 'last-event-id': `${e}:4` }, live: [] }),
  },
  'sse-reset': { hub: jsonHub(1, 2, 3, 4, 5), request: () => ({ path: '/live', headers: { ...SSE, 'last-event-id': 'anOlderRun:9' }, live: [] }) },
  'sse-beat': { hub: jsonHub(), options: { heartbeatMs: 20 }, request: () => ({ path: '/live', headers: SSE, until: 'event: $beat\ndata: {"type":"beat"}\n\n' }) },
  'sse-rotate': { hub: jsonHub(), options: { maxBytes: 1 }, request: () => ({ path: '/live', headers: SSE, live: [{ n: 1 }] }) },
  'sse-stop': { hub: jsonHub(1), options: { stop: true }, request: () => ({ path: '/live', headers: SSE }) },
  'sse-bad': { hub: jsonHub(), request: () => ({ path: '/live?lastEventId=7', headers: SSE }) },
  'sse-head': { hub: jsonHub(), request: () => ({ path: '/live', method: 'HEAD', headers: SSE }) },
  'sse-topics': { hub: topicHub, request: (e) => ({ path: `/live?topic=news&topic=user:42&lastEventId=${e}:1`, headers: SSE, live: topicLive }) },
  'sse-forbidden': { hub: jsonHub(), options: newsOnly, request: () => ({ path: '/live?topic=news&topic=user:7', headers: SSE }) },
  'sse-bad-topic': { hub: jsonHub(), request: () => ({ path: '/live?topic=open', headers: SSE }) },
};

/** Runs a scenario: a server whose one route is an edge of the hub, one request, the response as read. */
async function run(edge: Edge, scenario: Scenario): Promise<{ response: Read; epoch: string }> {
  const hub = scenario.hub();
  const s = scenario.serve === undefined ? await edge.serverFor(hub, scenario.options) : await serverFor(scenario.serve);
  try {
    const request = scenario.request(hub.epoch);
    const { until: text } = request;
    const reading = read(s.port, request.path, text === undefined ? undefined : (body) => body.includes(text) || body.length > 65_536, request.method, request.headers);
    if (request.live !== undefined) {
      await until(() => hub.size === 1);
      for (const message of request.live) publish(hub, message);
      hub.close();
    }
    const response = await reading;
    // a refusal's text names the function that answered; the document shows hub.serve's
    if (edge.name === 'hub.fetch') response.body = response.body.replace(/^hub\.fetch: /, 'hub.serve: ');
    if (text === undefined) expect(response.ended, 'the response ended').to.equal(true);
    else if (response.body.includes(text)) response.body = response.body.slice(0, response.body.indexOf(text) + text.length);
    return { response, epoch: hub.epoch };
  } finally {
    hub.close();
    await s.close();
  }
}

/** What the document writes for bytes of the response. */
function normalize(bytes: string, epoch: string): string {
  return bytes.replaceAll(epoch, EPOCH).replaceAll(PADDING, '[5120 spaces]');
}

/** A response head as a block shows it, names lower-cased: the status line, then `name: value` lines. */
function head(status: number, headers: [string, string][]): string {
  const lines = headers.map(([name, value]) => `${name.toLowerCase()}: ${value}`).sort();
  return [`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`, ...lines].join('\n');
}

/**
 * The block's form of a response: what it shows, written as the block writes it (an `http` block
 * shows the body only when `withBody`).
 */
function shown(lang: string, response: Read, epoch: string, withBody: boolean): string {
  const body = normalize(response.body, epoch);
  if (lang === 'html') return body.replace(/(?!^)<script/g, '\n<script');
  if (lang === 'text') return body.slice(0, -1);
  const headers = Object.entries(response.headers)
    .filter(([name]) => !NODE_HEADERS.has(name))
    .map(([name, value]): [string, string] => [name, Array.isArray(value) ? value.join(', ') : String(value)]);
  return head(response.status, headers.map(([n, v]) => [n, normalize(v, epoch)])) + (withBody ? '\n\n' + body.replace(/\n$/, '') : '');
}

/** A block as the comparison reads it: an `http` block's header lines lower-cased and sorted. */
function asWritten(lang: string, body: string): string {
  if (lang !== 'http') return body;
  const [headLines, ...rest] = body.split('\n\n');
  const [status, ...headers] = headLines!.split('\n');
  const pairs = headers.map((line): [string, string] => {
    const colon = line.indexOf(': ');
    return [line.slice(0, colon), line.slice(colon + 2)];
  });
  const code = Number(/^HTTP\/1\.1 (\d{3}) /.exec(status!)?.[1]);
  expect(head(code, []), `the status line ${status}`).to.equal(status);
  return head(code, pairs) + (rest.length === 0 ? '' : '\n\n' + rest.join('\n\n'));
}

describe(`${doc}: the examples are what hub.serve and hub.fetch send`, function () {
  this.timeout(20_000);

  it('checks one block or more, every one of a known scenario, and shows every scenario', () => {
    const names = checked.map((f) => infoWords(f.info).get('check')!);
    expect(names.filter((name) => !(name in scenarios)), 'blocks of no scenario').to.deep.equal([]);
    expect(Object.keys(scenarios).filter((name) => !names.includes(name)), 'scenarios no block shows').to.deep.equal([]);
    for (const f of checked) expect(['http', 'html', 'text'], `${doc} line ${f.line}`).to.include(f.lang);
  });

  for (const edge of edges) {
    for (const block of checked) {
      const name = infoWords(block.info).get('check')!;
      if (edge.name !== 'hub.serve' && scenarios[name]?.serve !== undefined) continue;
      it(`line ${block.line}: ${name} (${block.lang}), from ${edge.name}`, async () => {
        const scenario = scenarios[name];
        if (scenario === undefined) return expect.fail(`no scenario ${name}`);
        const { response, epoch } = await run(edge, scenario);
        const withBody = block.lang === 'http' && block.body.includes('\n\n');
        expect(asWritten(block.lang, block.body), `${doc} line ${block.line}`).to.equal(shown(block.lang, response, epoch, withBody));
      });
    }
  }
});

/**
 * The ticket example: a block of `name value` lines, the inputs of `hub.ticket` (the hub's secret,
 * the time, the options) and what it makes, the FIELDS (the decoded first part) and the ticket.
 */
describe(`${doc}: the ticket example is what hub.ticket makes`, function () {
  this.timeout(20_000);
  const examples = blocks.filter((f) => infoWords(f.info).has('ticket'));

  it('is one block, whose ticket is its fields and their HMAC-SHA256 as the document says, and is accepted for its topics alone', async () => {
    expect(examples, 'blocks marked ticket').to.have.length(1);
    const lines = new Map(examples[0]!.body.split('\n').map((line): [string, string] => {
      const [, name, value] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
      return [name ?? line, value ?? ''];
    }));
    const field = (name: string): string => lines.get(name) ?? expect.fail(`no ${name} line in ${doc} line ${examples[0]!.line}`);
    const secret = field('secret');
    const topics = field('topics').split(' ');
    const clock = sinon.useFakeTimers({ now: Date.parse(field('now')), toFake: ['Date'] });
    const hub = cometHub<unknown>(CB, { secret });
    const s = await serverFor(hub.serve.bind(hub));
    try {
      const ticket = hub.ticket({ topics, ttlMs: Number(field('ttlMs')), subject: field('subject') });
      const [fields, signature] = ticket.split('.') as [string, string];
      expect(Buffer.from(fields, 'base64url').toString('utf8'), 'FIELDS').to.equal(field('FIELDS'));
      expect(signature, 'the signature').to.equal(createHmac('sha256', secret).update('comet-bridge ticket\n' + field('FIELDS')).digest('base64url'));
      expect(ticket, 'the ticket').to.equal(field('ticket'));
      const status = async (query: string) => (await read(s.port, `/live?${query}&ticket=${ticket}`, undefined, 'HEAD')).status;
      expect(await status(topics.map((t) => `topic=${t}`).join('&')), 'its topics').to.equal(200);
      expect(await status('topic=sport'), 'another topic').to.equal(403);
      clock.setSystemTime(Date.parse(field('now')) + Number(field('ttlMs')));
      expect(await status(`topic=${topics[0]}`), 'once expired').to.equal(403);
    } finally {
      clock.restore();
      hub.close();
      await s.close();
    }
  });
});
