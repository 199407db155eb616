// The JSON text of a stored message, kept beside the message object by the engine that serialized it to store
// it, so that the stream frames reuse it instead of serializing the same message a second time per push.

import type { DownLinkMsg } from '../protocol/index.js';

const texts = new WeakMap<DownLinkMsg, string>();

/** Serializes a message and remembers the text for as long as the object lives. */
export function serializeMessage(message: DownLinkMsg): string {
  let json = texts.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    texts.set(message, json);
  }
  return json;
}
