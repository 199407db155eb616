// Whether Redis keeps what the gateway acknowledged. The gateway answers AICC "0" once Redis took the write; with
// no append-only file (appendonly no), a Redis restart loses the writes since its last snapshot, and with them
// pushes AICC will never send again. Checked once at start on every primary, and said as a warning.

import { Cluster, type Redis } from 'ioredis';
import type { RedisConnection } from '../../redis/connection.js';

/** The warning to log, or undefined when every primary writes an append-only file (or cannot be asked). */
export async function persistenceWarning(redis: RedisConnection): Promise<string | undefined> {
  const cluster = redis instanceof Cluster;
  const primaries: Redis[] = cluster ? redis.nodes('master') : [redis];
  const without: string[] = [];
  for (const node of primaries) {
    let info: string;
    try {
      info = await node.info('persistence');
    } catch {
      continue; // INFO refused (a managed Redis may rename it): nothing known, nothing said
    }
    if (/^aof_enabled:0\s*$/m.test(info)) without.push(`${node.options.host}:${node.options.port}`);
  }
  if (without.length === 0) return undefined;
  return (
    `${cluster ? `Redis Cluster primaries ${without.join(', ')} run` : 'Redis runs'} with appendonly no: a push the gateway acknowledged is lost if Redis restarts ` +
    'before its next snapshot, and AICC does not send it again. Set appendonly yes (appendfsync everysec or always; docs/deployment.md)'
  );
}
