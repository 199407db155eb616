// The only body parser: JSON in strict UTF-8, with prototype-poisoning keys (`__proto__`,
// `constructor.prototype`) refused. The raw bytes are kept on the request, since the webhook signature covers
// them. Any other content type is answered 415 by Fastify.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    try {
      done(null, parseJson(raw));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });
}

export function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new Error('the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new Error('the body is empty');
  try {
    // secure-json-parse looks for the forbidden keys with two regular expressions over the whole text; a text that
    // holds neither key and no \u escape (which could spell one) cannot match them, so plain JSON.parse does.
    const parsed: unknown = mayNameForbiddenKey(text)
      ? secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
      : JSON.parse(text);
    return mayOverflow(text) ? rejectNonFinite(parsed) : parsed;
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof NonFiniteNumber) throw err;
    if (/prototype/i.test(message)) throw new Error('the body contains a forbidden key (__proto__ or constructor.prototype)');
    throw new Error(`the body is not valid JSON (${message})`);
  }
}

class NonFiniteNumber extends Error {}

/** Whether secure-json-parse's checks (`"__proto__":`, `"constructor":`, either spelt with \u escapes) could match. */
function mayNameForbiddenKey(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__') || text.includes('constructor');
}

/** What mayOverflow reads: a string, or (in tests) anything that counts the characters it is asked for. */
export interface Characters {
  readonly length: number;
  charCodeAt(index: number): number;
}

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const LOWER_E = 101;
const UPPER_E = 69;
/** Digits in a row from which a number may exceed the largest double even with an exponent of at most 99. */
const LONG_RUN = 210;

/**
 * A JSON number becomes Infinity only past ~1.8e308: with an exponent of three digits or more, or with 210 or
 * more digits in a row before an exponent of at most 99. Text without either cannot hold one, so the walk
 * below (which visits every value of the body) is needed only when this says so; a hit inside a string is a
 * harmless false alarm. One pass, each character read at most twice: it runs before authentication on bodies of
 * up to BODY_LIMIT, so it must stay linear (the regular expression it replaces, /[eE]\+?\d{3}|\d{210}/, tried
 * 210 digits again from every offset of a long run of digits: about 200 ms for a 1 MB body).
 */
export function mayOverflow(text: Characters): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      if (++run >= LONG_RUN) return true;
      continue;
    }
    run = 0;
    if (c === LOWER_E || c === UPPER_E) {
      const from = text.charCodeAt(i + 1) === PLUS ? i + 2 : i + 1;
      if (isDigit(text, from) && isDigit(text, from + 1) && isDigit(text, from + 2)) return true;
    }
  }
  return false;
}

/** A module function, not a closure made on every call. */
function isDigit(text: Characters, index: number): boolean {
  const c = text.charCodeAt(index);
  return c >= ZERO && c <= NINE;
}

/**
 * 1e400 is valid JSON but no double: JSON.parse makes it Infinity, which would be stored as null. Refuse it.
 * The walk is iterative (a reviver recurses, and a hostile body may nest a hundred thousand levels).
 */
function rejectNonFinite(parsed: unknown): unknown {
  const pending: [unknown, string, number][] = [[parsed, 'body', 0]];
  while (pending.length > 0) {
    const [value, path, depth] = pending.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new NonFiniteNumber(`${path}: a number too large to represent`);
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === 'number' || (child !== null && typeof child === 'object')) {
          // Names the first levels only: enough to find the field, without building a path per level of depth.
          const childPath = depth >= 4 ? path : Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
          pending.push([child, childPath, depth + 1]);
        }
      }
    }
  }
  return parsed;
}
