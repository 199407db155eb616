// Verifies (and, for our simulator and tests, creates) the auth-v2 signature of AICC's webhook push,
// `Authorization: auth-v2/{accessKey}/{timestamp}/{SignedHeaders}/{signature}`.
//
// AICC documents only the header's first four parts and the 43-character push key (docs/aicc.md §3);
// the string-to-sign is not public. This is OUR scheme, documented in the README: HMAC-SHA256 with the push
// key over the canonical string below, hex encoded. Byte-compatibility with AICC's own signer is unconfirmed;
// a different scheme plugs in by implementing PushSignatureVerifier.

import { createHash, createHmac } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { constantTimeEqual } from '../secrets/compare.js';

export interface SignedRequest {
  method: string;
  /** The request path without its query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

/** Who signed a push, and when. */
export interface VerifiedSignature {
  accessKey: string;
  /** The signature's own time (ms since epoch): the push route holds it to the replay window. */
  signedAtMs: number;
}

/**
 * What the webhook door asks of a signature scheme. It judges authenticity only: the time it returns is held to
 * PUSH_TIMESTAMP_SKEW_MS by the push route, which lets an old retry of a push already stored through.
 */
export interface PushSignatureVerifier {
  /** Returns who signed the request and when; throws an UNAUTHORIZED GatewayError otherwise. */
  verify(request: SignedRequest): VerifiedSignature;
}

export interface SignOptions {
  accessKey: string;
  pushKey: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Header names to sign, in order; matched case-insensitively. */
  signedHeaders: string[];
  body: Buffer | string;
  timestampMs: number;
}

const SCHEME = 'auth-v2';
const HEADER_PATTERN = /^auth-v2\/([^/]+)\/(\d{10,16})\/([a-z0-9;-]*)\/([0-9a-f]{64})$/;

/**
 * The string that is signed, one item a line:
 *   auth-v2/{accessKey}/{timestamp}/{signedHeaders}   (so every part of the header is covered)
 *   {METHOD}
 *   {path}
 *   {name}:{value} for each signed header, in the order given, names in lower case, values trimmed
 *   hex(SHA-256(raw body))
 */
export function canonicalString(input: {
  accessKey: string;
  timestampMs: number | string;
  signedHeaders: string[];
  method: string;
  path: string;
  headerValue: (name: string) => string | undefined;
  body: Buffer | string;
}): string {
  const names = input.signedHeaders.map((name) => name.toLowerCase());
  const lines = [
    `${SCHEME}/${input.accessKey}/${input.timestampMs}/${names.join(';')}`,
    input.method.toUpperCase(),
    input.path,
    ...names.map((name) => `${name}:${(input.headerValue(name) ?? '').trim()}`),
    createHash('sha256').update(input.body).digest('hex'),
  ];
  return lines.join('\n');
}

/** The Authorization header value for a request, as AICC (or our simulator) would send it. */
export function signAuthV2(options: SignOptions): string {
  const lower = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = options.signedHeaders.map((name) => name.toLowerCase());
  const canonical = canonicalString({ ...options, signedHeaders: names, headerValue: (name) => lower[name] });
  const signature = createHmac('sha256', options.pushKey).update(canonical).digest('hex');
  return `${SCHEME}/${options.accessKey}/${options.timestampMs}/${names.join(';')}/${signature}`;
}

export function createAuthV2Verifier(options: { pushKeys: ReadonlyMap<string, string> }): PushSignatureVerifier {
  const refused = () => new GatewayError('UNAUTHORIZED', 'the push signature was not accepted');
  return {
    verify(request) {
      const header = single(request.headers.authorization);
      if (!header) throw new GatewayError('UNAUTHORIZED', 'the Authorization header is missing');
      const match = HEADER_PATTERN.exec(header.trim());
      if (!match) {
        throw new GatewayError(
          'UNAUTHORIZED',
          'the Authorization header must be auth-v2/{accessKey}/{timestamp}/{SignedHeaders}/{signature}',
        );
      }
      const [, accessKey, timestamp, signed, signature] = match as unknown as [string, string, string, string, string];
      const pushKey = options.pushKeys.get(accessKey);
      const canonical = canonicalString({
        accessKey,
        timestampMs: timestamp,
        signedHeaders: signed === '' ? [] : signed.split(';'),
        method: request.method,
        path: request.path,
        headerValue: (name) => single(request.headers[name]),
        body: request.rawBody,
      });
      // An unknown access key still costs one HMAC and one comparison, so timing tells nothing of which keys exist.
      const expected = createHmac('sha256', pushKey ?? 'unknown-access-key').update(canonical).digest();
      const given = Buffer.from(signature, 'hex');
      if (!constantTimeEqual(expected, given) || pushKey === undefined) throw refused();
      return { accessKey, signedAtMs: Number(timestamp) };
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
