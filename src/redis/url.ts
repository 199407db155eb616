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
  /** Replicas that must have a write before a push is acknowledged (`?wait=N`, Redis WAIT); 0: the primary's answer. */
  waitReplicas: number;
}

const URL_PATTERN = /^(rediss?|redis-sentinel|redis-cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

/**
 * Parses redis://[user:password@]host[:port][/db], rediss://... (TLS),
 * redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db] and
 * redis-cluster://[user:password@]host:port[,host:port...]; each may end in ?wait=N (replicas that must hold a
 * write before it is acknowledged). Throws an Error naming what is wrong.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = URL_PATTERN.exec(url.trim());
  if (!match) {
    throw new Error('must look like redis://host:6379, rediss://..., redis-sentinel://host:26379,host2:26379/mymaster or redis-cluster://host:6379,host2:6379');
  }
  const [, scheme, user, pass, hostList, path = '', query = ''] = match as unknown as [string, string, string | undefined, string | undefined, string, string | undefined, string | undefined];
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
  const params = new URLSearchParams(query);
  for (const name of params.keys()) if (name !== 'wait') throw new Error(`unknown option "${name}" (only wait=N)`);
  const waitText = params.get('wait') ?? '0';
  if (!/^\d$/.test(waitText)) throw new Error(`wait=${waitText}: the number of replicas, 0 to 9`);
  // WAIT has no key, so a Cluster client could not tell which shard's replicas it asks about.
  if (kind === 'cluster' && waitText !== '0') throw new Error('wait= is not supported with redis-cluster://');
  return {
    kind,
    hosts,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
    tls: scheme === 'rediss',
    db: Number(dbText),
    ...(masterName ? { masterName } : {}),
    waitReplicas: Number(waitText),
  };
}

