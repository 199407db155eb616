// A fixed-window rate limiter keyed by anything (a client address, an app key). Memory is bounded by the
// keys seen in the current window: the previous window's counts are dropped whole when a new one starts.

export interface RateLimiter {
  /** Counts one use of `key`; says whether it is allowed and, if not, in how many seconds to try again. */
  take(key: string): { allowed: boolean; retryAfterSeconds: number };
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  let windowStart = now();
  let counts = new Map<string, number>();
  return {
    take(key) {
      const t = now();
      if (t - windowStart >= options.windowMs) {
        windowStart = t - ((t - windowStart) % options.windowMs);
        counts = new Map();
      }
      const used = (counts.get(key) ?? 0) + 1;
      counts.set(key, used);
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + options.windowMs - t) / 1000));
      return { allowed: used <= options.limit, retryAfterSeconds };
    },
  };
}
