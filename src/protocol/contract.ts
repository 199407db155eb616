// The few values the server, the SDK and the widget must agree on, named once. Plain data: a browser bundle that
// imports them carries only these few bytes.

/** How a customer's stream travels: a WebSocket, or Server-Sent Events. */
export type TransportName = 'websocket' | 'sse';

/** A clientMessageId: the customer's own id of a message, which makes a retry safe (docs/protocol.md). */
export const CLIENT_MESSAGE_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';

/** What AICC files a message as (mediaType), for the files a customer may upload. */
export type UploadMediaType = 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';

/**
 * The files a customer may upload, by MIME type, with AICC's fileType for each: AICC's upload list (jpg, png,
 * bmp, mp3, aac, mp4, txt, csv; docs/aicc.md §5). The gateway refuses any other type with 415
 * UNSUPPORTED_MEDIA_TYPE; the widget's file picker offers these only.
 */
export const UPLOAD_TYPES: Readonly<Record<string, { fileType: string; mediaType: UploadMediaType }>> = {
  'image/jpeg': { fileType: 'jpg', mediaType: 'IMAGE' },
  'image/png': { fileType: 'png', mediaType: 'IMAGE' },
  'image/bmp': { fileType: 'bmp', mediaType: 'IMAGE' },
  'audio/mpeg': { fileType: 'mp3', mediaType: 'AUDIO' },
  'audio/aac': { fileType: 'aac', mediaType: 'AUDIO' },
  'video/mp4': { fileType: 'mp4', mediaType: 'VIDEO' },
  'text/plain': { fileType: 'txt', mediaType: 'DOCUMENT' },
  'text/csv': { fileType: 'csv', mediaType: 'DOCUMENT' },
};

/** AICC's send takes TEXT content of at most 1 KB, counted in UTF-8 bytes (a Chinese character is 3;
 *  docs/aicc.md §5): the gateway refuses more before storing it, the SDK says it before sending. */
export const TEXT_MAX_BYTES = 1024;
