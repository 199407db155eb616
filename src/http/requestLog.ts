// One log line per request, written when it completes: method, path, status, time, and whatever the route
// added with `noteForLog` (a push's counts, say). Fastify's own pair of lines per request is turned off.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino, { type Logger } from 'pino';
import { clientAddress } from './clientAddress.js';

declare module 'fastify' {
  interface FastifyRequest {
    logNote?: LogNote;
  }
}

/** What a route may add to its request's line: counts and our own answer, never a header or a body. */
export interface LogNote {
  resultCode?: string;
  reason?: string;
  error?: string;
  messages?: number;
  stored?: number;
  duplicates?: number;
  typing?: number;
  oldRetry?: boolean;
}

/** The request ids taken from callers: a log line, a metric's exemplar or an operator's search must stay plain. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const MESSAGE = 'request completed';
/** How long a request's line may wait for others to share its write: a line is in the log this much later at most. */
const LINES_WAIT_MS = 10;
const INFO = 30;

/** The caller's X-Request-Id when it is 1 to 64 letters, digits or `._:-`; undefined otherwise (one is made). */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : undefined;
}

export function noteForLog(request: FastifyRequest, note: LogNote): void {
  const current = request.logNote;
  request.logNote = current === undefined ? note : { ...current, ...note };
}

export function installRequestLog(app: FastifyInstance): void {
  // The line holds known fields only (LogNote's type keeps a route to them), none of which can hold a secret, so
  // it is written without the logger's redaction, which walks every line for secret-named keys and cost a push
  // more than the rest of the line (6 µs of 8 measured).
  const lines = (app.log as unknown as Logger).child({}, { redact: [] });
  const write = plainLineWriter(lines);
  app.addHook('onResponse', (request, reply, done) => {
    if (write === undefined) lines.info(lineOf(request, reply), MESSAGE);
    else if (lines.levelVal <= INFO) write(fieldsOf(request, reply));
    done();
  });
  app.addHook('onClose', (_app, done) => {
    write?.close?.();
    done();
  });
}

function lineOf(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  return {
    reqId: request.id,
    method: request.method,
    path: pathOf(request.url),
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
    remoteAddress: clientAddress(request),
    ...request.logNote,
  };
}

/**
 * The same fields as `lineOf`, in the same order, as JSON text: what pino would make of them, without the
 * object, the spread and pino's walk over its keys (the line was ~8 % of a push's main-thread time).
 */
function fieldsOf(request: FastifyRequest, reply: FastifyReply): string {
  let text =
    `,"reqId":${jsonString(request.id)},"method":${jsonString(request.method)},"path":${jsonString(pathOf(request.url))}` +
    `,"status":${reply.statusCode},"ms":${Math.round(reply.elapsedTime * 10) / 10},"remoteAddress":${jsonString(clientAddress(request))}`;
  const note = request.logNote;
  if (note === undefined) return text;
  // LogNote's fields (its keys are plain names), each a string, a number or a boolean; a field the route left
  // undefined is left out, as JSON.stringify of the object would.
  for (const key in note) {
    const value = note[key as keyof LogNote];
    if (value !== undefined) text += `,"${key}":${typeof value === 'string' ? jsonString(value) : String(value)}`;
  }
  return text;
}

/** Characters JSON.stringify would escape in a string: quote, backslash, controls, and any surrogate. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON: quoted as it is when nothing in it needs escaping (request ids, methods, addresses, paths). */
function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Writes a line of fields straight to the logger's destination, framed by pino's own parts for the logger (the
 * level, time and bindings it would write, and its end of line), so the line is the one pino would write. Only for
 * a logger that changes nothing on the way (no mixin, formatter, prefix, nested key or write hook, and a
 * destination that needs no metadata); undefined otherwise, and the line then goes through pino.
 */
function plainLineWriter(logger: Logger): LineWriter | undefined {
  const s = pino.symbols;
  const parts = logger as unknown as Record<symbol, unknown>;
  const formatters = parts[s.formattersSym] as { log?: unknown } | undefined;
  const hooks = parts[s.hooksSym] as { streamWrite?: unknown } | undefined;
  const stream = parts[s.streamSym] as Destination | undefined;
  const levels = parts[s.lsCacheSym] as Record<number, string> | undefined;
  const time = parts[s.timeSym] as (() => string) | undefined;
  const messageKey = parts[s.messageKeySym];
  if (
    !stream || typeof stream.write !== 'function' || stream[s.needsMetadataGsym] === true ||
    !levels || typeof levels[INFO] !== 'string' || typeof time !== 'function' || typeof messageKey !== 'string' ||
    typeof parts[s.chindingsSym] !== 'string' || typeof parts[s.endSym] !== 'string' ||
    formatters?.log !== undefined || hooks?.streamWrite !== undefined || parts[s.mixinSym] ||
    parts[(s as unknown as Record<string, symbol>).msgPrefixSym!] != null || parts[s.nestedKeySym] != null
  ) {
    return undefined;
  }
  const start = levels[INFO];
  const bindings = parts[s.chindingsSym] as string;
  const end = `,${JSON.stringify(messageKey)}:${JSON.stringify(MESSAGE)}${parts[s.endSym] as string}`;
  const line = (fields: string) => start + time() + bindings + fields + end;
  if (!writesToFile(stream)) return (fields) => void stream.write(line(fields));
  // A file or pipe (pino's own destination, SonicBoom) takes many lines in one write: the lines of the next few
  // milliseconds go out together, one write instead of one per request (the writes were ~8 % of a push's main
  // thread; once a turn still ~6 %, since at a few thousand pushes a second a turn holds one or two).
  let pending = '';
  const flush = () => {
    const text = pending;
    pending = '';
    if (text) stream.write(text);
  };
  const writer = (fields: string) => {
    if (pending === '') setTimeout(flush, LINES_WAIT_MS).unref();
    pending += line(fields);
  };
  writer.close = () => {
    flush();
    atExit.delete(lastWords);
  };
  // When the process exits, the lines still waiting are written at once (pino flushes its own buffer the same way).
  const lastWords = () => {
    flush();
    try {
      stream.flushSync?.();
    } catch {
      // A write under way or a closed destination: nothing more can be done on the way out.
    }
  };
  if (!exitHeard) process.once('exit', () => atExit.forEach((write) => write()));
  exitHeard = true;
  atExit.add(lastWords);
  return writer;
}

/** The batched writers of the gateways in this process (one, but for tests), written out when it exits. */
const atExit = new Set<() => void>();
let exitHeard = false;

type LineWriter = ((fields: string) => void) & { close?: () => void };

/**
 * Whether the destination writes to a file descriptor as it is given (pino's SonicBoom): then a write may hold
 * several lines. Other destinations (the readable lines of logger.ts, a test's) take one line a write.
 */
function writesToFile(stream: Destination): boolean {
  return stream.constructor?.name === 'SonicBoom' && typeof stream.fd === 'number';
}

interface Destination {
  write(line: string): unknown;
  flushSync?(): void;
  fd?: unknown;
  [key: symbol]: unknown;
}
