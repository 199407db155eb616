// Limits, one interface and where they are counted: in this process (below: one node, the local engine), or in
// Redis (engine/redis/limits.ts) so that N nodes enforce the configured limit together, not N times it.

/** What a limiter answers for one use of a key. */
export interface Verdict {
  allowed: boolean;
  /** When refused: in how many seconds to try again (the Retry-After header). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /**
   * Counts one use of `key` (a client address, an app key). Rejects with a STORE_UNAVAILABLE GatewayError when
   * the shared counter cannot be reached: the caller decides to refuse (a write) or to let it through (a read).
   */
  take(key: string): Promise<Verdict>;
  /** The same count without a promise, where it is kept in this process (the local limiter only). */
  takeNow?(key: string): Verdict;
}

export interface ConnectionCaps {
  /**
   * Takes a place for one more connection of the key (a customer, a client address) and resolves with the way to
   * give it back, or with undefined when the key holds as many as allowed. Rejects when the shared count cannot
   * be reached.
   */
  acquire(key: string): Promise<(() => void) | undefined>;
  close(): void;
}

/** What a connection cap counts by: a customer's streams, or a client address's open connections. */
export type ConnectionScope = 'customer' | 'address';

export interface Limits {
  /** `limit` uses per `windowMs` for each key; `name` keeps one limit's keys apart from another's. */
  rate(name: string, options: { limit: number; windowMs: number }): RateLimiter;
  connections(maxPerKey: number, scope?: ConnectionScope): ConnectionCaps;
}

/** Fixed windows; memory is bounded by the keys seen in the current window (the previous one is dropped whole). */
export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  let windowStart = now();
  let counts = new Map<string, number>();
  const takeNow = (key: string): Verdict => {
    const t = now();
    if (t - windowStart >= options.windowMs) {
      windowStart = t - ((t - windowStart) % options.windowMs);
      counts = new Map();
    }
    const used = (counts.get(key) ?? 0) + 1;
    counts.set(key, used);
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + options.windowMs - t) / 1000));
    return { allowed: used <= options.limit, retryAfterSeconds };
  };
  return {
    takeNow,
    async take(key) {
      return takeNow(key);
    },
  };
}

function localConnectionCaps(maxPerKey: number): ConnectionCaps {
  const open = new Map<string, number>();
  const add = (customerId: string, delta: number) => {
    const next = (open.get(customerId) ?? 0) + delta;
    if (next <= 0) open.delete(customerId);
    else open.set(customerId, next);
  };
  return {
    async acquire(customerId) {
      if ((open.get(customerId) ?? 0) >= maxPerKey) return undefined;
      add(customerId, 1);
      let released = false;
      return () => {
        if (!released) add(customerId, -1);
        released = true;
      };
    },
    close() {},
  };
}

export const localLimits: Limits = {
  rate: (_name, options) => createRateLimiter(options),
  connections: localConnectionCaps,
};
