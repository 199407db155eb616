// When each open stream's token expires, on one timer for all of them. A timer per stream, each of its own length,
// made Node keep a timer list per stream (one per distinct length): 8 % of the node's time in a reconnect storm
// (bench/stormCpu.ts under --cpu-prof). A token's `exp` is in whole seconds, so streams are kept by the second
// theirs ends, and one tick a second ends those whose second has come.

const TICK_MS = 1000;

/** What expires: a stream is handed over itself, so that no closure (and no cancel closure) is held per stream. */
export interface Expiring {
  expire(): void;
}

export class ExpiryClock {
  /** What expires, by the second (since the epoch) at or after which it does. */
  private readonly due = new Map<number, Set<Expiring>>();
  private timer: NodeJS.Timeout | undefined;
  /** Every second before this one has run. */
  private nextSecond = 0;

  /**
   * Expires `item` within about a second after `atMs` (at the next tick if that has passed); answers the second it
   * is kept under, which `cancel` takes.
   */
  at(atMs: number, item: Expiring): number {
    if (!this.timer) {
      this.nextSecond = Math.floor(Date.now() / 1000);
      // Unreferenced: the streams' sockets keep the process alive, not their expiry.
      this.timer = setInterval(() => this.tick(), TICK_MS).unref();
    }
    const second = Math.max(Math.ceil(atMs / 1000), this.nextSecond);
    let bucket = this.due.get(second);
    if (!bucket) this.due.set(second, (bucket = new Set()));
    bucket.add(item);
    return second;
  }

  /** `item` does not expire after all (`second`: what `at` answered); nothing happens when it has already. */
  cancel(second: number, item: Expiring): void {
    const bucket = this.due.get(second);
    if (!bucket) return;
    bucket.delete(item);
    if (bucket.size === 0) this.due.delete(second);
    this.stopWhenIdle();
  }

  private tick(): void {
    const now = Math.floor(Date.now() / 1000);
    // A clock set far forward or back must not make this walk millions of seconds: then every bucket is looked at.
    if (now - this.nextSecond > this.due.size) {
      for (const [second, bucket] of [...this.due]) if (second <= now) this.run(second, bucket);
    } else {
      for (let second = this.nextSecond; second <= now; second++) {
        const bucket = this.due.get(second);
        if (bucket) this.run(second, bucket);
      }
    }
    this.nextSecond = Math.max(this.nextSecond, now + 1);
    this.stopWhenIdle();
  }

  private run(second: number, bucket: Set<Expiring>): void {
    this.due.delete(second);
    for (const item of bucket) item.expire();
  }

  private stopWhenIdle(): void {
    if (this.due.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
