// How soon a lost connection is noticed: the browser's own word (`offline`, `online`), and silence on the stream
// longer than the gateway's heartbeat allows. Either ends the connection at once, rather than after the minutes a
// dead TCP connection can take to fail by itself.

/**
 * How long a connection may stay silent before it is taken as dead. The gateway sends a frame at least every
 * `heartbeatMs` (the hello frame says how often; docs/protocol.md, `heartbeat`): one interval missed, plus a
 * margin for a slow network and a busy event loop.
 */
export function silenceLimitMs(heartbeatMs: number): number {
  return heartbeatMs + Math.max(2_000, Math.round(heartbeatMs / 4));
}

interface EventSource {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Calls `offline` and `online` as the browser says the network went and came back; does nothing outside a
 *  browser. Answers the function that stops listening. */
export function watchNetwork(handlers: { offline(): void; online(): void }): () => void {
  const target = globalThis as unknown as Partial<EventSource>;
  if (typeof target.addEventListener !== 'function' || !('onoffline' in globalThis)) return () => undefined;
  const offline = () => handlers.offline();
  const online = () => handlers.online();
  target.addEventListener('offline', offline);
  target.addEventListener('online', online);
  return () => {
    target.removeEventListener!('offline', offline);
    target.removeEventListener!('online', online);
  };
}

