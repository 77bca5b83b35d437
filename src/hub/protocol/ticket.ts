/**
 * Signed tickets: what a page that cannot send cookies (a cross-site iframe) shows `hub.serve` to be
 * let read some topics. A ticket is `base64url(FIELDS) "." base64url(HMAC-SHA256(secret, FIELDS))`,
 * FIELDS being the version, the expiry (milliseconds since 1970), the subject and each topic, every
 * one written as its length in decimal, a colon, then itself, so that no two different tickets sign
 * the same bytes. Everything signed is validated first; a ticket is checked in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkMs, checkOptions, describe, isObjectLike } from '../../util/args.js';
export { checkSecret } from '../core/settings.js';
import { checkTopic, isTopic } from '../core/topic.js';
import type { TicketOptions } from '../types.js';

const VERSION = '1';
/** The longest a ticket may live: 30 days. */
const MAX_TTL_MS = 30 * 24 * 3600 * 1000;
/** A subject: printable ASCII, at most 256 characters. */
const SUBJECT = /^[\x20-\x7e]{0,256}$/;
/** Keys the MAC of tickets apart from any other use of the same secret. */
const CONTEXT = 'comet-bridge ticket\n';
const TICKET_OPTIONS = ['topics', 'ttlMs', 'subject'];

/** @internal What a valid ticket grants. */
export interface Grant {
  readonly topics: readonly string[];
  readonly subject: string;
  readonly expires: number;
}

function field(value: string): string {
  return value.length + ':' + value;
}

function mac(secret: Uint8Array, fields: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(fields).digest();
}

/**
 * @internal Makes a ticket (see {@link Serving.ticket}).
 * @throws TypeError for a hub without a secret, bad topics or subject; RangeError for a `ttlMs` out of range
 */
export function makeTicket(secret: Uint8Array | undefined, options: TicketOptions, where: string, now = Date.now()): string {
  if (secret === undefined) throw new TypeError(`${where}: this hub was made without a secret, so it cannot sign tickets`);
  if (!isObjectLike(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const { topics, ttlMs, subject = '' } = checkOptions(options, where, TICKET_OPTIONS);
  if (!Array.isArray(topics) || topics.length === 0) throw new TypeError(`${where}: topics must be a non-empty array of topic names, got ${describe(topics)}`);
  const names = [...new Set(topics.map((t, i) => checkTopic(t, where, `topics[${i}]`)))];
  const ttl = checkMs(ttlMs, where, 'ttlMs');
  if (ttl === 0 || ttl > MAX_TTL_MS) throw new RangeError(`${where}: ttlMs must be above 0 and at most ${MAX_TTL_MS} (30 days), got ${String(ttlMs)}`);
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    throw new TypeError(`${where}: subject must be printable ASCII of at most 256 characters, got ${typeof subject === 'string' ? 'another string' : describe(subject)}`);
  }
  const fields = field(VERSION) + field(String(Math.floor(now + ttl))) + field(subject) + field(String(names.length)) + names.map(field).join('');
  return Buffer.from(fields, 'utf8').toString('base64url') + '.' + mac(secret, fields).toString('base64url');
}

/** Reads `count` length-prefixed fields of `text`, or null when it is not exactly such fields. */
function fieldsOf(text: string): string[] | null {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    const length = colon < 0 ? NaN : Number(text.slice(at, colon));
    if (!/^(?:0|[1-9][0-9]{0,4})$/.test(text.slice(at, colon)) || colon + 1 + length > text.length) return null;
    out.push(text.slice(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  return out;
}

/** @internal What a ticket grants, or null when it is malformed, not signed with `secret`, or expired. */
export function readTicket(secret: Uint8Array, ticket: string, now = Date.now()): Grant | null {
  if (ticket.length > 16_384) return null;
  const dot = ticket.indexOf('.');
  if (dot < 0) return null;
  const fields = Buffer.from(ticket.slice(0, dot), 'base64url').toString('utf8');
  const given = Buffer.from(ticket.slice(dot + 1), 'base64url');
  const wanted = mac(secret, fields);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null;
  const parts = fieldsOf(fields);
  if (parts === null || parts.length < 5 || parts[0] !== VERSION) return null;
  const [, expiry, subject, count, ...topics] = parts as [string, string, string, string, ...string[]];
  const expires = Number(expiry);
  if (!Number.isSafeInteger(expires) || expires <= now) return null;
  if (String(topics.length) !== count || !topics.every(isTopic)) return null;
  return { topics, subject, expires };
}
