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

function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new Error('the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new Error('the body is empty');
  try {
    return rejectNonFinite(secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof NonFiniteNumber) throw err;
    if (/prototype/i.test(message)) throw new Error('the body contains a forbidden key (__proto__ or constructor.prototype)');
    throw new Error(`the body is not valid JSON (${message})`);
  }
}

class NonFiniteNumber extends Error {}

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
