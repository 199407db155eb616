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
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const message = (err as Error).message;
    if (/prototype/i.test(message)) throw new Error('the body contains a forbidden key (__proto__ or constructor.prototype)');
    throw new Error(`the body is not valid JSON (${message})`);
  }
}
