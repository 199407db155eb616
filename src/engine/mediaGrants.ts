// Who may fetch which media: a customer may fetch what AICC sent them (an IMAGE, AUDIO, VIDEO or DOCUMENT
// message's resource id) and what they uploaded themselves. Never what they merely wrote into their own log:
// a customer's `kind: "file"` message names an id, it does not make it theirs. Both engines record the grants
// of AICC's messages as they append them, with this one rule.

import type { DownLinkMsg } from '../protocol/index.js';
import type { MediaGrant } from './types.js';

const MEDIA_TYPES = new Set(['IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT', 'FILE']);
/** Messages from these sources are written by the customer or by the gateway, never by AICC. */
const NOT_FROM_AICC = new Set(['CUSTOMER', 'GATEWAY']);

/** The grant a stored message carries: a media message from AICC names a resource the customer may fetch. */
export function mediaGrantOf(message: DownLinkMsg): MediaGrant | undefined {
  if (NOT_FROM_AICC.has(message.sourceType) || !MEDIA_TYPES.has(String(message.mediaType))) return undefined;
  if (typeof message.content !== 'string' || message.content === '') return undefined;
  return {
    mediaId: message.content,
    origin: 'aicc',
    mediaType: String(message.mediaType),
    // A local file's type is the message's mediaFileType (cec_07_2219); AICC sends no `fileType`.
    ...(typeof message.mediaFileType === 'string' && message.mediaFileType ? { fileType: message.mediaFileType } : {}),
    ...(typeof message.fileName === 'string' ? { fileName: message.fileName } : {}),
    ...(typeof message.contentType === 'string' ? { contentType: message.contentType } : {}),
  };
}
