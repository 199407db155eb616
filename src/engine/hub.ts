// In-process fan-out: the listeners of each customer, told of every event for that customer. Both engines use it:
// the local engine publishes to it directly, the Redis engine from what its subscriber connection hears.

import type { EngineEvent, EngineListener } from './types.js';

export class Hub {
  private readonly listeners = new Map<string, Set<EngineListener>>();

  subscribe(customerId: string, listener: EngineListener): () => void {
    let set = this.listeners.get(customerId);
    if (!set) this.listeners.set(customerId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(customerId) === set) this.listeners.delete(customerId);
    };
  }

  publish(customerId: string, event: EngineEvent): void {
    const set = this.listeners.get(customerId);
    if (!set) return;
    // Most customers have one connection: no copy of the set for them (one array per message otherwise).
    if (set.size === 1) {
      deliver(set.values().next().value!, event);
      return;
    }
    // A copy: a listener that unsubscribes another (or subscribes one) does not change who hears this event.
    for (const listener of [...set]) deliver(listener, event);
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
