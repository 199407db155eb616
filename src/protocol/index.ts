// The customer wire protocol (docs/protocol.md), owned here once: the server (delivery/, uplink/, conversation/),
// the SDK (client/) and the widget import it. Everything but the close-code table is a type, so `import type`
// from here adds nothing to a browser bundle.

export type * from './messages.js';
export type * from './frames.js';
export { CLOSE, CLOSE_GROUP, CLOSE_RANGES, type CloseCode, type CloseGroup } from './closeCodes.js';
