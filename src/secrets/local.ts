// The secret of a single node: generated on first start and kept in DATA_DIR (mode 0600).

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from './types.js';

const SECRET_FILE = 'token-secret';

export function localSecretStore(dataDir: string): SecretStore {
  const path = join(dataDir, SECRET_FILE);
  return {
    async read() {
      try {
        return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const secret = randomBytes(32);
      // 'wx' fails if another process wrote the file meanwhile; then that one's secret is the one to use.
      try {
        writeFileSync(path, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
        return secret;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
      }
    },
  };
}
