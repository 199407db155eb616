// Who may open the operator page: a script or proxy with `Authorization: Bearer <OPS_TOKEN>`, or a person who
// signed in with it and holds a session cookie. Each sign-in makes a new random session, kept in the engine (so
// every node knows it) with its expiry, and ended at sign-out; the store keeps only a digest of the cookie, and the
// browser never stores the token. Tokens are compared in constant time; guesses are limited per address (routes.ts).

import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Engine } from '../engine/types.js';
import { bearerToken } from '../http/bearer.js';
import { constantTimeEqual } from '../secrets/compare.js';

export const OPS_COOKIE = 'aicc_ops';
/** A person stays signed in this long (seconds). */
export const SESSION_SECONDS = 12 * 3600;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export type OpsSessionStore = Pick<Engine, 'startOpsSession' | 'opsSessionValid' | 'endOpsSession'>;

export interface OpsAuth {
  /** The bearer the request carries (a script), if any: checked with `isToken`. */
  bearer(request: FastifyRequest): string | undefined;
  /** True when the request holds a live session cookie. */
  hasSession(request: FastifyRequest): Promise<boolean>;
  /** True when `given` is the token (the sign-in form, a bearer). */
  isToken(given: string): boolean;
  /** Starts a new session; the Set-Cookie value that signs the person in (Secure when served over HTTPS). */
  signIn(secure: boolean): Promise<string>;
  /** Ends the request's session, if it has one; the Set-Cookie value that clears the cookie. */
  signOut(request: FastifyRequest, secure: boolean): Promise<string>;
}

export function createOpsAuth(token: string, store: OpsSessionStore, now: () => number = Date.now): OpsAuth {
  const attributes = (secure: boolean) => `Path=/ops; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  // The store holds digests, so reading it (a backup, a Redis dump) gives no cookie that signs anyone in.
  const digest = (id: string) => createHash('sha256').update(id).digest('base64url');
  const sessionOf = (request: FastifyRequest) => {
    const id = readCookie(request.headers.cookie, OPS_COOKIE);
    return id !== undefined && SESSION_ID.test(id) ? id : undefined;
  };
  return {
    bearer: (request) => (request.headers.authorization === undefined ? undefined : bearerToken(request.headers.authorization) ?? ''),
    async hasSession(request) {
      const id = sessionOf(request);
      return id !== undefined && (await store.opsSessionValid(digest(id)));
    },
    isToken: (given) => constantTimeEqual(given, token),
    async signIn(secure) {
      const id = randomBytes(32).toString('base64url');
      await store.startOpsSession(digest(id), now() + SESSION_SECONDS * 1000);
      return `${OPS_COOKIE}=${id}; Max-Age=${SESSION_SECONDS}; ${attributes(secure)}`;
    },
    async signOut(request, secure) {
      const id = sessionOf(request);
      if (id !== undefined) await store.endOpsSession(digest(id));
      return `${OPS_COOKIE}=; Max-Age=0; ${attributes(secure)}`;
    },
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
