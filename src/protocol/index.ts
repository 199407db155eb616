// The customer wire protocol (docs/protocol.md), owned here once: the server (delivery/, uplink/, conversation/),
// the SDK (client/) and the widget import it. Besides types, only the close-code table and the few shared values
// of contract.ts are code, so `import` from here adds next to nothing to a browser bundle.

export type * from './messages.js';
export type * from './frames.js';
export type * from './errors.js';
export { CLOSE, CLOSE_GROUP, CLOSE_RANGES, type CloseCode, type CloseGroup } from './closeCodes.js';
export { CLIENT_MESSAGE_ID_PATTERN, TEXT_MAX_BYTES, UPLOAD_TYPES, type TransportName, type UploadMediaType } from './contract.js';
