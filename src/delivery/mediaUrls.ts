// Short-lived, media-scoped URLs: what a page puts in <img src>, <audio> and download links instead of the
// customer's token (which proxy and CDN logs would keep). A URL opens one media id, for one customer, until it
// expires: an HMAC-SHA256 over the three with a key of its own (secrets/keys.ts), never a token key.

import { createHmac } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { constantTimeEqual } from '../secrets/compare.js';

export interface MediaUrlQuery {
  customer: string;
  /** Seconds since the epoch. */
  expires: string;
  signature: string;
}

export interface MediaUrls {
  /** The query that opens `mediaId` for `customerId` for `ttlSeconds` from now, and when it stops. */
  sign(customerId: string, mediaId: string): { query: MediaUrlQuery; expiresAt: number };
  /** The customer a signed query opens `mediaId` for; throws UNAUTHORIZED when it is forged, altered or expired. */
  verify(query: Partial<Record<keyof MediaUrlQuery, unknown>>, mediaId: string): string;
}

export function createMediaUrls(options: { key: Uint8Array; ttlSeconds: number; now?: () => number }): MediaUrls {
  const now = options.now ?? Date.now;
  const mac = (customerId: string, mediaId: string, expires: string) =>
    // Newline-separated: neither a customer id (the id rule) nor the decimal expiry can hold one.
    createHmac('sha256', options.key).update(`v1\n${customerId}\n${expires}\n${mediaId}`).digest('base64url');
  return {
    sign(customerId, mediaId) {
      const expires = String(Math.floor(now() / 1000) + options.ttlSeconds);
      return { query: { customer: customerId, expires, signature: mac(customerId, mediaId, expires) }, expiresAt: Number(expires) * 1000 };
    },
    verify({ customer, expires, signature }, mediaId) {
      if (typeof customer !== 'string' || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) {
        throw new GatewayError('UNAUTHORIZED', 'a media URL needs customer, expires and signature (or send Authorization: Bearer)');
      }
      if (!constantTimeEqual(signature, mac(customer, mediaId, expires))) {
        throw new GatewayError('UNAUTHORIZED', 'the media URL is not valid for this media');
      }
      if (Number(expires) * 1000 <= now()) throw new GatewayError('UNAUTHORIZED', 'the media URL has expired; ask for a new one');
      return customer;
    },
  };
}
