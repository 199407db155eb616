// The webhook door's auth-v2 header: reads both forms, and verifies (and, for our simulator and tests, creates)
// the one that carries a signature.
//
// Huawei documents `Authorization: auth-v2/{accessKey}/{timestamp}/{SignedHeaders}`, four parts and no
// signature, and publishes no signing algorithm (docs/aicc.md §3). The gateway's own scheme adds a fifth part,
// `/{signature}`: HMAC-SHA256 with the push key over the canonical string below, hex encoded, documented in the
// README ("The webhook signature"). Only that scheme is verified. A header in the documented four-part form is
// read but refused, as there is nothing in it to check; Huawei's algorithm, once known, plugs in by implementing
// PushSignatureVerifier and handing it to buildServer (src/server.ts).

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
  /**
   * Returns who signed the request and when; throws a GatewayError otherwise: UNAUTHORIZED (missing, malformed or
   * wrong) or UNSIGNED_PUSH (a header with nothing to check, which must never pass as verified).
   */
  verify(request: SignedRequest): VerifiedSignature;
  /**
   * Optional: from the headers alone, before the body is read, refuses what can never verify (no header, a wrong
   * shape, an unknown access key) by throwing as `verify` does, and returns who claims to sign and when.
   */
  screen?(headers: SignedRequest['headers']): VerifiedSignature;
}

/** An auth-v2 header taken apart. */
export interface AuthV2Header {
  accessKey: string;
  /** As written in the header (the canonical string signs it as written). */
  timestamp: string;
  /** Lower-case header names, in the order given. */
  signedHeaders: string[];
  /** Hex HMAC-SHA256 of our scheme; absent in Huawei's documented four-part form. */
  signature?: string;
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
/** The documented four parts, then our optional fifth. Header names may be written in any case. */
const HEADER_PATTERN = /^auth-v2\/([^/]+)\/(\d{10,16})\/([A-Za-z0-9;_-]*)(?:\/([0-9a-f]{64}))?$/;

const SHAPE_MESSAGE =
  'the Authorization header must be auth-v2/{accessKey}/{timestamp}/{SignedHeaders}, and for this gateway\'s ' +
  'signature /{signature} after it';
/** The documented form, refused for what it lacks rather than for its shape. */
export const UNSIGNED_MESSAGE =
  'the Authorization header is auth-v2 in its documented four-part form, which carries no signature the ' +
  'gateway can check: the webhook verifies only the gateway\'s documented five-part scheme ' +
  '(auth-v2/{accessKey}/{timestamp}/{SignedHeaders}/{signature}) until Huawei publishes its algorithm';

/** Takes an auth-v2 header apart (four or five parts); undefined when it has neither shape. */
export function parseAuthV2Header(value: string): AuthV2Header | undefined {
  const match = HEADER_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, accessKey, timestamp, signed, signature] = match as unknown as [string, string, string, string, string | undefined];
  return {
    accessKey,
    timestamp,
    signedHeaders: signed === '' ? [] : signed.toLowerCase().split(';'),
    ...(signature !== undefined ? { signature } : {}),
  };
}

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

/** The Authorization header value for a request signed with our scheme (what our simulator sends). */
export function signAuthV2(options: SignOptions): string {
  const lower = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = options.signedHeaders.map((name) => name.toLowerCase());
  const canonical = canonicalString({ ...options, signedHeaders: names, headerValue: (name) => lower[name] });
  const signature = createHmac('sha256', options.pushKey).update(canonical).digest('hex');
  return `${SCHEME}/${options.accessKey}/${options.timestampMs}/${names.join(';')}/${signature}`;
}

/** The verifier of our five-part scheme, with the push keys of AICC_PUSH_KEYS. */
export function createAuthV2Verifier(options: { pushKeys: ReadonlyMap<string, string> }): PushSignatureVerifier {
  const signed = (headers: SignedRequest['headers']): AuthV2Header & { signature: string } => {
    const value = single(headers.authorization);
    if (!value) throw new GatewayError('UNAUTHORIZED', 'the Authorization header is missing');
    const header = parseAuthV2Header(value);
    if (!header) throw new GatewayError('UNAUTHORIZED', SHAPE_MESSAGE);
    if (header.signature === undefined) throw new GatewayError('UNSIGNED_PUSH', UNSIGNED_MESSAGE);
    return header as AuthV2Header & { signature: string };
  };
  return {
    screen(headers) {
      const header = signed(headers);
      // Access keys are not secret (every push names its own); push keys are, and only verify() uses them.
      if (!options.pushKeys.has(header.accessKey)) throw new GatewayError('UNAUTHORIZED', 'the push signature was not accepted');
      return { accessKey: header.accessKey, signedAtMs: Number(header.timestamp) };
    },
    verify(request) {
      const header = signed(request.headers);
      const pushKey = options.pushKeys.get(header.accessKey);
      const canonical = canonicalString({
        accessKey: header.accessKey,
        timestampMs: header.timestamp,
        signedHeaders: header.signedHeaders,
        method: request.method,
        path: request.path,
        headerValue: (name) => single(request.headers[name]),
        body: request.rawBody,
      });
      // An unknown access key still costs one HMAC and one comparison, so timing tells nothing of which keys exist.
      const expected = createHmac('sha256', pushKey ?? 'unknown-access-key').update(canonical).digest();
      const given = Buffer.from(header.signature, 'hex');
      if (!constantTimeEqual(expected, given) || pushKey === undefined) {
        throw new GatewayError('UNAUTHORIZED', 'the push signature was not accepted');
      }
      return { accessKey: header.accessKey, signedAtMs: Number(header.timestamp) };
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
