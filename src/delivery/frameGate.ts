// What one WebSocket connection's own frames (send, transfer, read, typing) may cost. Each counts against the
// client's rate limit, the very limiter its HTTP requests count against, so a socket is no way around it;
// at most MAX_IN_FLIGHT are handled at once and MAX_WAITING more wait their turn. Beyond either, the frame is
// refused with an `error` frame and the connection stays.

import type { RateLimiter } from '../engine/limits.js';

const MAX_IN_FLIGHT = 4;
const MAX_WAITING = 32;

export class FrameGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limiter: RateLimiter | undefined,
    /** What the limiter counts by: the client's address, as for its HTTP requests. */
    private readonly key: string,
  ) {}

  /** Resolves with why the frame is refused, or with undefined once it holds a slot (give it back with release). */
  async admit(): Promise<string | undefined> {
    if (this.limiter) {
      const { allowed, retryAfterSeconds } = await this.limiter.take(this.key);
      if (!allowed) return `too many requests from this address; try again in ${retryAfterSeconds} s`;
    }
    if (this.inFlight < MAX_IN_FLIGHT) {
      this.inFlight++;
      return undefined;
    }
    if (this.waiting.length >= MAX_WAITING) return 'too many frames under way on this connection; wait for their answers';
    // The slot is handed over by release(), so inFlight never exceeds the bound.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return undefined;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}
