// What the client needs from a transport: open one stream connection, hand over each frame's text, report its
// end once. Both transports call back only asynchronously, and never after the client closed them.

export interface TransportHandlers {
  /** One frame's JSON text. */
  frame(text: string): void;
  /** The connection ended (called once): the gateway's close code, or 1006 when it just broke. */
  close(code: number, reason: string): void;
}

export interface Transport {
  /** Ends the connection without calling `handlers.close`. */
  close(): void;
}
