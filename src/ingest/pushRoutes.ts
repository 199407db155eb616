// The two doors AICC pushes through: pushMsg (x-app-key + Bearer AccessToken) and the signed webhook
// (auth-v2). Both: authenticate, validate the whole push, hold it to the replay window, append it durably, and
// only then answer "0".

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../aicc/accessTokens.js';
import type { PushSignatureVerifier } from '../aicc/authV2.js';
import { PUSH_PATHS, type Door } from '../aicc/api.js';
import { PushBodySchema, normalizePush, type NormalizedMessage, type PushBody } from '../aicc/downlink.js';
import type { AppendOutcome, Engine } from '../engine/types.js';
import { GatewayError, SUCCESS } from '../errors.js';
import { bearerToken } from '../http/bearer.js';
import { clientAddress } from '../http/clientAddress.js';
import type { RateLimiter } from '../engine/limits.js';
import { noteForLog } from '../http/requestLog.js';
import type { Metrics } from '../observability/metrics.js';
import { appendAndPublish } from './appendAndPublish.js';
import { checkReplayWindow, type Freshness, type PushTime } from './replayWindow.js';

export interface PushRoutesOptions {
  engine: Engine;
  tokens: AccessTokens;
  verifier: PushSignatureVerifier;
  /** The replay window (./replayWindow.ts); 0 turns it off. */
  timestampSkewMs: number;
  /** Longest content or simQuestions of one message (MESSAGE_MAX_CHARS). */
  messageMaxChars: number;
  /** Pushes per second per app key or access key. */
  rateLimiter: RateLimiter;
  metrics?: Metrics;
  /** Told of every push once it is answered, stored or refused (the operator page). */
  onPush?: (record: PushRecord) => void;
  now?: () => number;
}

/** One push as an operator sees it: who sent it through which door, and what became of it. */
export interface PushRecord {
  at: number;
  door: Door;
  /** x-app-key (pushMsg) or the signature's access key (webhook), as the caller claimed it. */
  appKey: string;
  status: number;
  resultCode: string;
  resultDesc: string;
  /** Messages in the push, and how many were new or retries already stored (0 when refused). */
  messages: number;
  stored: number;
  duplicates: number;
  /** The customers (`to`) the push was for, the first few. */
  customers: string[];
  requestId: string;
  /**
   * Whether the caller's credentials checked out (AICC, or whoever holds its keys). Anyone on the internet can post
   * to the doors unauthenticated: those refusals are kept apart, so that noise cannot hide AICC's own.
   */
  authenticated: boolean;
}

export const pushRoutes: FastifyPluginAsync<PushRoutesOptions> = async (app, options) => {
  const { engine, tokens, verifier, timestampSkewMs, metrics } = options;
  const now = options.now ?? Date.now;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  /** The webhook signature's own time, from its check (before the body is validated) to the replay window. */
  const signedAt = new WeakMap<FastifyRequest, number>();
  /** Requests whose credentials (AccessToken, or the webhook's signature) checked out. */
  const authenticated = new WeakSet<FastifyRequest>();

  // Every push, stored or refused, is seen here once it is answered: the refusals by reason, the time of the
  // last good push (alerts on silence), and the record the operator page lists. One hook per door, which it knows
  // without asking the request (its routeOptions are built anew on each read). Callback-style: no promise a push.
  const recordPush = (door: Door) => (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const note = request.logNote ?? {};
    const refused = reply.statusCode !== 200;
    const caller = authenticated.has(request) ? 'authenticated' : 'anonymous';
    if (refused) metrics?.pushRefusals.inc({ door, reason: String(note.error ?? 'INTERNAL'), caller });
    else metrics?.lastPush.set(now() / 1000);
    options.onPush?.({
      at: now(),
      door,
      appKey: claimedKey(request, door),
      status: reply.statusCode,
      resultCode: String(note.resultCode ?? (refused ? '1' : SUCCESS.resultCode)),
      resultDesc: String(note.reason ?? (refused ? '' : SUCCESS.resultDesc)),
      messages: Number(note.messages ?? messageCount(request.body)),
      stored: Number(note.stored ?? 0),
      duplicates: Number(note.duplicates ?? 0),
      customers: customersOf(request.body),
      requestId: request.id,
      authenticated: caller === 'authenticated',
    });
    done();
  };

  /** AICC retries a push answered 429 after Retry-After: a flood slows down instead of being lost. */
  /** Counted in Redis with several nodes; when it is away the push is refused (500, resultCode 13), as its write would be. */
  async function limit(key: string, reply: FastifyReply, whose = 'this app key'): Promise<void> {
    const { allowed, retryAfterSeconds } = await options.rateLimiter.take(key);
    if (allowed) return;
    throw limited(reply, retryAfterSeconds, whose);
  }

  function limited(reply: FastifyReply, retryAfterSeconds: number, whose: string): GatewayError {
    reply.header('retry-after', String(retryAfterSeconds));
    return new GatewayError('RATE_LIMITED', `too many pushes for ${whose}; try again after Retry-After`);
  }

  /** `limit` for a callback-style hook: counted in this process, it answers without a promise. */
  function limitThen(key: string, reply: FastifyReply, done: (err?: Error) => void): void {
    const verdict = options.rateLimiter.takeNow?.(key);
    if (verdict === undefined) return void limit(key, reply).then(() => done(), done);
    done(verdict.allowed ? undefined : limited(reply, verdict.retryAfterSeconds, 'this app key'));
  }

  async function accept(request: FastifyRequest, reply: FastifyReply, body: PushBody, door: 'pushMsg' | 'webhook') {
    checkLengths(body.messages, options.messageMaxChars);
    const messages = normalizePush(body);
    const times: PushTime[] = [{ name: 'timestamp', ms: Number(body.timestamp) }];
    const signed = signedAt.get(request);
    if (signed !== undefined) times.push({ name: 'the signature timestamp', ms: signed });
    // A push inside the window (nearly all) is judged without a promise; an old one may need a store read.
    const window = checkReplayWindow({ engine, messages, times, nowMs: now(), skewMs: timestampSkewMs });
    const freshness: Freshness = typeof window === 'string' ? window : await window;
    if (freshness === 'stored-retry') {
      // An old retry: everything in it is stored and was delivered; its typing is long over. Nothing is sent again.
      const durable = messages.filter((m) => !m.ephemeral).length;
      if (metrics) countStoredRetry(metrics, door, durable, reply.elapsedTime / 1000);
      noteForLog(request, { messages: messages.length, stored: 0, duplicates: durable, typing: 0, oldRetry: true });
      return success(reply);
    }
    const { durable, ephemeral, stored } = await appendAndPublish(engine, messages);
    const fresh = stored.filter((s) => !s.duplicate).length;
    if (metrics) count(metrics, door, durable, stored, ephemeral.length, reply.elapsedTime / 1000);
    noteForLog(request, { messages: messages.length, stored: fresh, duplicates: stored.length - fresh, typing: ephemeral.length });
    return success(reply);
  }

  typed.post(PUSH_PATHS.pushMsg, {
    schema: { body: PushBodySchema },
    onResponse: recordPush('pushMsg'),
    // Headers are checked before the body is read, so an unauthenticated caller costs us nothing more.
    // Callback-style: AICC's token, verified once, and the in-process count need no promise on later pushes.
    onRequest: (request, reply, done) => {
      const appKey = header(request, 'x-app-key');
      const authorization = header(request, 'authorization');
      if (!appKey) return done(new GatewayError('UNAUTHORIZED', 'the x-app-key header is missing'));
      if (!authorization) return done(new GatewayError('UNAUTHORIZED', 'the Authorization header is missing'));
      const token = bearerToken(authorization);
      if (!token) return done(new GatewayError('UNAUTHORIZED', 'the Authorization header must be "Bearer <AccessToken>"'));
      if (tokens.alreadyVerified(token, appKey)) {
        authenticated.add(request);
        return limitThen(`app:${appKey}`, reply, done);
      }
      tokens.verify(token, appKey).then(() => {
        authenticated.add(request);
        limitThen(`app:${appKey}`, reply, done);
      }, done);
    },
    handler: (request, reply) => accept(request, reply, request.body, 'pushMsg'),
  });

  typed.post(PUSH_PATHS.webhook, {
    schema: { body: PushBodySchema },
    onResponse: recordPush('webhook'),
    // What the headers alone can refuse is refused before the body is read: no or a malformed signature header,
    // an unknown access key, a time further ahead than the window (an old time may still be AICC's retry of
    // stored messages, which only the body tells).
    onRequest: async (request) => {
      const claimed = verifier.screen?.(request.headers);
      if (claimed && timestampSkewMs > 0 && claimed.signedAtMs - now() > timestampSkewMs) {
        throw new GatewayError('STALE_TIMESTAMP', 'the signature timestamp is ahead of the accepted window');
      }
    },
    // The signature covers the raw body, so it is checked once the body is read but before it is validated.
    preValidation: async (request, reply) => {
      const { accessKey, signedAtMs } = verifier.verify({
        method: request.method,
        path: request.url.split('?')[0]!,
        headers: request.headers,
        rawBody: request.rawBody ?? Buffer.alloc(0),
      });
      // Its time is judged with the body's, once the body is valid: an old signature may be AICC's retry.
      signedAt.set(request, signedAtMs);
      authenticated.add(request);
      request.log.debug({ accessKey }, 'push signature verified');
      // A request signed outside the replay window is an old retry of AICC's (answered "0" from the store) or a
      // captured one played back: neither may spend the key's budget, which AICC's next new push needs. The
      // caller's address pays for it instead.
      const inWindow = timestampSkewMs === 0 || Math.abs(now() - signedAtMs) <= timestampSkewMs;
      if (inWindow) await limit(`access:${accessKey}`, reply, 'this access key');
      else await limit(`address:${clientAddress(request)}`, reply, 'this address (old signatures)');
    },
    handler: (request, reply) => accept(request, reply, request.body, 'webhook'),
  });
};

/** The answer "0", serialized once: every push that is stored (or was already) gets these same bytes. */
const SUCCESS_BODY = JSON.stringify(SUCCESS);

function success(reply: FastifyReply): string {
  reply.header('content-type', 'application/json; charset=utf-8');
  return SUCCESS_BODY;
}

/** Content and simQuestions within MESSAGE_MAX_CHARS, counted in code points as the schema's maxLength counts. */
function checkLengths(messages: PushBody['messages'], maxChars: number): void {
  for (let index = 0; index < messages.length; index++) {
    const msg = messages[index]!;
    for (const field of LIMITED_FIELDS) {
      const value = msg[field];
      // Counted in code points, as the schema's maxLength counts (an emoji is one character, two UTF-16 units).
      if (typeof value === 'string' && value.length > maxChars && codePoints(value) > maxChars) {
        throw new GatewayError('INVALID_PARAMETER', `messages[${index}].${field}: longer than MESSAGE_MAX_CHARS (${maxChars})`);
      }
    }
  }
}

const LIMITED_FIELDS = ['content', 'simQuestions'] as const;

/**
 * The push's counts, one call per distinct label set rather than one per message: prom-client hashes the
 * labels of every call, and the messages of one push mostly share theirs.
 */
function count(metrics: Metrics, door: string, durable: NormalizedMessage[], stored: AppendOutcome[], typing: number, seconds: number) {
  metrics.pushes.inc({ door });
  let duplicates = 0;
  let same = 0;
  let last: { control_type: string; media_type: string; known: string } | undefined;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i]!.duplicate) {
      duplicates++;
      continue;
    }
    const { message, known } = durable[i]!;
    const labels = { control_type: message.controlType, media_type: message.mediaType ?? 'none', known: String(known) };
    if (last && last.control_type === labels.control_type && last.media_type === labels.media_type && last.known === labels.known) {
      same++;
      continue;
    }
    if (last) metrics.messages.inc(last, same);
    last = labels;
    same = 1;
  }
  if (last) metrics.messages.inc(last, same);
  if (duplicates > 0) metrics.duplicates.inc(duplicates);
  if (typing > 0) metrics.typing.inc(typing);
  metrics.pushDuration.observe({ door }, seconds);
}

/** An old retry of stored messages: counted as a push of duplicates, as `count` counts a fresh retry. */
function countStoredRetry(metrics: Metrics, door: string, duplicates: number, seconds: number) {
  metrics.pushes.inc({ door });
  if (duplicates > 0) metrics.duplicates.inc(duplicates);
  metrics.pushDuration.observe({ door }, seconds);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key the caller presented, verified or not (a refused push shows which key tried); never a secret. */
function claimedKey(request: FastifyRequest, door: Door): string {
  const key = door === 'pushMsg'
    ? header(request, 'x-app-key')
    : /^auth-v2\/([^/]+)\//.exec(header(request, 'authorization') ?? '')?.[1];
  return (key ?? '').slice(0, 64);
}

function messagesOf(body: unknown): unknown[] {
  const messages = (body as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? messages : [];
}

function messageCount(body: unknown): number {
  return messagesOf(body).length;
}

/**
 * The distinct `to` of a push's messages, the first five, each cut to the longest id AICC sends (128). An array
 * searched rather than a Set copied into one: it never holds more than five.
 */
function customersOf(body: unknown): string[] {
  const ids: string[] = [];
  for (const message of messagesOf(body)) {
    const to = (message as { to?: unknown } | null)?.to;
    if (typeof to !== 'string' || !to) continue;
    const id = to.length > 128 ? to.slice(0, 128) : to;
    if (ids.includes(id)) continue;
    ids.push(id);
    if (ids.length === 5) break;
  }
  return ids;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
