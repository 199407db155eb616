// Every open stream's heartbeat check, on one timer. A timer per stream was a Timeout, its closure and an array
// held by each connection (about 250 bytes of the ~9.6 KB a stream held: bench/heapDiff.ts); one shared tick
// asks each stream whether it has been silent long enough, and the stream decides (StreamSession.heartbeat).

/** What the clock asks once a tick. */
export interface Beating {
  heartbeat(now: number): void;
}

export class HeartbeatClock {
  private readonly streams = new Set<Beating>();
  private timer: NodeJS.Timeout | undefined;

  /** `tickMs`: how often every stream is asked; a stream is silent at most its own threshold plus one tick. */
  constructor(private readonly tickMs: number) {}

  add(stream: Beating): void {
    this.streams.add(stream);
    // Unreferenced: the streams' sockets keep the process alive, not their heartbeat.
    this.timer ??= setInterval(() => this.tick(), this.tickMs).unref();
  }

  delete(stream: Beating): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const stream of this.streams) {
      // One stream's failure (a socket that just broke) must not keep the others from their heartbeat.
      try {
        stream.heartbeat(now);
      } catch {
        // The stream's own close handling reports and cleans up.
      }
    }
  }
}
