// Derives the signing keys from the gateway's one secret (HKDF-SHA256, one label per key): the keys are
// independent, so a key recovered from one kind of token says nothing about the other.

import { hkdfSync } from 'node:crypto';
import type { SigningKeys } from './types.js';

const KEY_BYTES = 32;

export function deriveSigningKeys(secret: Uint8Array | string): SigningKeys {
  const root = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const derive = (label: string) => new Uint8Array(hkdfSync('sha256', root, new Uint8Array(0), label, KEY_BYTES));
  return {
    accessTokens: derive('aicc-gateway access tokens'),
    visitorTokens: derive('aicc-gateway visitor tokens'),
    mediaUrls: derive('aicc-gateway media urls'),
  };
}
