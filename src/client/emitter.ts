// A small typed event emitter: `on` gives back the function that unsubscribes. A listener that throws does not
// break the client's state machine: its error is rethrown on its own, as an uncaught error would be.

export type Listener<T> = (payload: T) => void;

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    // Wrapped so that the same function subscribed twice is called twice and unsubscribes one at a time.
    const entry: Listener<Events[K]> = (payload) => listener(payload);
    set.add(entry as Listener<never>);
    return () => {
      set.delete(entry as Listener<never>);
    };
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    // One listener (the usual case): no copy of the set made at every event.
    if (set.size === 1) return call(set.values().next().value as Listener<Events[K]>, payload);
    // A copy: a listener may subscribe or unsubscribe while we iterate.
    for (const listener of [...set] as Listener<Events[K]>[]) call(listener, payload);
  }
}

function call<T>(listener: Listener<T>, payload: T): void {
  try {
    listener(payload);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
