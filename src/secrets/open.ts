// Chooses where the secret lives, by the same rule as the engine: TOKEN_SECRET when set; else Redis when
// REDIS_URL is set (every node must read one shared secret); else DATA_DIR. Returns the derived signing keys.

import type { Config } from '../config.js';
import { deriveSigningKeys } from './keys.js';
import { localSecretStore } from './local.js';
import type { SecretStore, SigningKeys } from './types.js';

export async function openSigningKeys(config: Config): Promise<SigningKeys> {
  if (config.tokenSecret) return deriveSigningKeys(config.tokenSecret);
  // The Redis store is loaded only when used (ioredis slows every start; see engine/open.ts).
  const store: SecretStore = config.redisUrl ? (await import('./redis.js')).redisSecretStore(config.redisUrl) : localSecretStore(config.dataDir);
  return deriveSigningKeys(await store.read());
}
