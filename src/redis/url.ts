// REDIS_URL, parsed: a single server (redis://, rediss:// for TLS), a primary managed by Sentinel
// (redis-sentinel://) or a Redis Cluster (redis-cluster://). No ioredis here, so the configuration can check
// the URL without loading the client.

export interface RedisTarget {
  kind: 'standalone' | 'sentinel' | 'cluster';
  hosts: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
  db: number;
  /** The Sentinel master group name. */
  masterName?: string;
}

const URL_PATTERN = /^(rediss?|redis-sentinel|redis-cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?$/;

/**
 * Parses redis://[user:password@]host[:port][/db], rediss://... (TLS),
 * redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db] and
 * redis-cluster://[user:password@]host:port[,host:port...]. Throws an Error naming what is wrong.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = URL_PATTERN.exec(url.trim());
  if (!match) {
    throw new Error('must look like redis://host:6379, rediss://..., redis-sentinel://host:26379,host2:26379/mymaster or redis-cluster://host:6379,host2:6379');
  }
  const [, scheme, user, pass, hostList, path = ''] = match as unknown as [string, string, string | undefined, string | undefined, string, string | undefined];
  const kind = scheme === 'redis-sentinel' ? 'sentinel' : scheme === 'redis-cluster' ? 'cluster' : 'standalone';
  const defaultPort = kind === 'sentinel' ? 26379 : 6379;
  const hosts = hostList.split(',').map((item) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(item.trim());
    if (!hostPort) throw new Error(`"${item}" is not a host or host:port`);
    return { host: hostPort[1]!.replace(/^\[|\]$/g, ''), port: hostPort[2] ? Number(hostPort[2]) : defaultPort };
  });
  if (kind === 'standalone' && hosts.length !== 1) throw new Error('name one host (several only with redis-sentinel:// or redis-cluster://)');
  const segments = path.split('/').filter(Boolean);
  const masterName = kind === 'sentinel' ? segments.shift() : undefined;
  if (kind === 'sentinel' && !masterName) throw new Error('redis-sentinel:// needs the master group name as its path, e.g. /mymaster');
  const dbText = segments.shift() ?? '0';
  if (!/^\d{1,2}$/.test(dbText) || segments.length > 0) throw new Error(`"${path}" is not a database number`);
  if (kind === 'cluster' && dbText !== '0') throw new Error('Redis Cluster has only database 0');
  return {
    kind,
    hosts,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
    tls: scheme === 'rediss',
    db: Number(dbText),
    ...(masterName ? { masterName } : {}),
  };
}

