// In-process fan-out: the listeners of each customer, told of every event for that customer. Both engines use it:
// the local engine publishes to it directly, the Redis engine from what its subscriber connection hears.

import type { EngineEvent, EngineListener } from './types.js';

export class Hub {
  /**
   * Each customer's listener, or their set when they have several. Most customers have one connection: a Set for
   * each would be about 130 bytes more an open stream, for nothing.
   */
  private readonly listeners = new Map<string, EngineListener | Set<EngineListener>>();

  subscribe(customerId: string, listener: EngineListener): () => void {
    const current = this.listeners.get(customerId);
    if (current === undefined) this.listeners.set(customerId, listener);
    else if (current instanceof Set) current.add(listener);
    else if (current !== listener) this.listeners.set(customerId, new Set([current, listener]));
    return () => this.unsubscribe(customerId, listener);
  }

  publish(customerId: string, event: EngineEvent): void {
    const current = this.listeners.get(customerId);
    if (current === undefined) return;
    if (!(current instanceof Set)) {
      deliver(current, event);
      return;
    }
    // A copy: a listener that unsubscribes another (or subscribes one) does not change who hears this event.
    for (const listener of [...current]) deliver(listener, event);
  }

  private unsubscribe(customerId: string, listener: EngineListener): void {
    const current = this.listeners.get(customerId);
    if (current === listener) {
      this.listeners.delete(customerId);
    } else if (current instanceof Set) {
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(customerId);
    }
  }
}

function deliver(listener: EngineListener, event: EngineEvent): void {
  // One failing listener (a connection that just broke) must not keep the event from the others.
  try {
    listener(event);
  } catch {
    // The listener's own connection handling reports and cleans up its failures.
  }
}
