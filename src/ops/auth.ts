// Who may open the operator page: a script or proxy with `Authorization: Bearer <OPS_TOKEN>`, or a person who
// signed in with it and holds the session cookie. The cookie carries an HMAC of the token, not the token, so the
// browser never stores the secret; changing OPS_TOKEN signs everyone out. Compared in constant time.

import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../http/bearer.js';
import { constantTimeEqual } from '../secrets/compare.js';

export const OPS_COOKIE = 'aicc_ops';
/** A person stays signed in this long (seconds). */
const SESSION_SECONDS = 12 * 3600;

export interface OpsAuth {
  /** True when the request carries the token (bearer) or a valid session cookie. */
  allows(request: FastifyRequest): boolean;
  /** True when `given` is the token (the sign-in form). */
  isToken(given: string): boolean;
  /** The Set-Cookie value that signs the person in (Secure when served over HTTPS). */
  signInCookie(secure: boolean): string;
  signOutCookie(secure: boolean): string;
}

export function createOpsAuth(token: string): OpsAuth {
  const session = createHmac('sha256', token).update('aicc-gateway operator session').digest('base64url');
  const attributes = (secure: boolean) => `Path=/ops; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return {
    allows(request) {
      if (request.headers.authorization !== undefined) {
        return constantTimeEqual(bearerToken(request.headers.authorization) ?? '', token);
      }
      const cookie = readCookie(request.headers.cookie, OPS_COOKIE);
      return cookie !== undefined && constantTimeEqual(cookie, session);
    },
    isToken: (given) => constantTimeEqual(given, token),
    signInCookie: (secure) => `${OPS_COOKIE}=${session}; Max-Age=${SESSION_SECONDS}; ${attributes(secure)}`,
    signOutCookie: (secure) => `${OPS_COOKIE}=; Max-Age=0; ${attributes(secure)}`,
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
