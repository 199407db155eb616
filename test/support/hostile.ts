// The harness of the hostile-input tests (test/hostile*.test.ts): one gateway on loopback, every request counted,
// bounded in time and failed at once on a 5xx, and a tally printed at the end of each file.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import fc from 'fast-check';
import { deriveSigningKeys } from '../../src/secrets/keys.js';
import { startGateway, type InProcessGateway } from './gateway.js';

/** Fixed, so CI is repeatable; HOSTILE_SEED explores other inputs locally. */
export const SEED = Number(process.env.HOSTILE_SEED ?? 20_261_125);
/** Runs per property: bounded for CI; raise with HOSTILE_RUNS for a longer local hunt. */
export const RUNS = Number(process.env.HOSTILE_RUNS ?? 200);
export const PUSH_PATH = '/apiaccess/ccmessaging/pushMsg';
export const WEBHOOK_PATH = '/webhooks/v1/messages';
export const TOKEN_SECRET = 'hostile-input-token-secret-0123456789abcdef';
/** The key the gateway signs AccessTokens with, derived from TOKEN_SECRET: forgeries below differ from real tokens in one way only. */
export const { accessTokens: ACCESS_TOKEN_KEY, visitorTokens: VISITOR_TOKEN_KEY } = deriveSigningKeys(TOKEN_SECRET);
export const BODY_LIMIT = 1024 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;

export let gw: InProcessGateway;
export let auth: Record<string, string>;
export const tally = { tried: 0, stored: 0, refused: 0, serverErrors: 0 };

/** Starts the gateway the hostile requests go to (before the file's tests) and closes it after them. */
export function useHostileGateway(): void {
  before(async () => {
    // No replay window: arbitrary outer timestamps must be judged by the schema alone (200 or 400, nothing else).
    gw = await startGateway({ PUSH_TIMESTAMP_SKEW_MS: '0', TOKEN_SECRET, PUSH_RATE_LIMIT: '10000000' });
    auth = { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
  });
  after(() => gw.close());
}

/** Prints the file's tally once its tests are done (the runner shows it as `# hostile input: …`). */
export function reportTally(what: string): void {
  after(() => {
    console.log(
      `hostile input (${what}): ${tally.tried} inputs tried, ${tally.stored} stored, ${tally.refused} refused, ` +
        `${tally.serverErrors} server errors`,
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sending, counting, and the model of what the store must hold

export interface Answer {
  status: number;
  body: any;
  text: string;
}

/** One hostile request: counted, bounded in time, and failed at once on a 5xx. */
export async function send(
  method: string,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
  base = gw.url,
): Promise<Answer> {
  tally.tried++;
  const res = await fetch(base + path, {
    method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  if (res.status >= 500) {
    tally.serverErrors++;
    assert.fail(`server error ${res.status} ${text} for ${method} ${path} ${describeInput(body)}`);
  }
  if (res.status >= 400) tally.refused++;
  else if (path === PUSH_PATH || path === WEBHOOK_PATH) tally.stored++;
  return { status: res.status, body: parsed, text };
}

export const pushRaw = (raw: string | Uint8Array, headers: Record<string, string> = {}) =>
  send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', ...auth, ...headers });

/** A promise that must settle in time: a hang fails the test instead of stalling it. */
export async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function describeInput(body: string | Uint8Array | undefined): string {
  if (body === undefined) return '(no body)';
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  return text.length > 600 ? `${JSON.stringify(text.slice(0, 600))}… (${text.length} chars)` : JSON.stringify(text);
}

export type Json = unknown;
export type Obj = Record<string, unknown>;

/** fast-check's settings for every property: a fixed seed and bounded runs. */
export const property = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;
export const now = () => Math.floor(Date.now() / 1000);

const ODD_UNITS = ['😀', '👩‍👩‍👧', '\u0000', '\u202e', '\ufeff', '"', '\\', '\n', '\u2028', 'é', '𝕏', ' ', '/', ','];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Text of every kind: ASCII, graphemes, any code point, and lone surrogates, emoji, NUL, bidi marks. */
export const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom(...ODD_UNITS)), maxLength }),
  );
