// What AICC takes, known before sending (docs/aicc.md §5): the SDK says it so an app can tell the customer while
// they type, rather than show a message that failed for a limit nobody could have missed.

import { UPLOAD_TYPES } from '../protocol/index.js';

export { TEXT_MAX_BYTES } from '../protocol/index.js';

/** AICC's upload list by file extension (docs/aicc.md §5; jpeg is jpg's other spelling), each with the MIME type
 *  POST /v1/uploads wants for it. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(UPLOAD_TYPES).flatMap(([mime, { fileType }]) => (fileType === 'jpg' ? [['jpg', mime], ['jpeg', mime]] : [[fileType, mime]])),
);

/** The extensions a file picker should accept: what AICC's upload takes. */
export const UPLOAD_EXTENSIONS: readonly string[] = Object.keys(MIME_BY_EXTENSION);

const encoder = new TextEncoder();

/** The size of `text` as AICC counts it: UTF-8 bytes. */
export function textBytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The MIME type to upload this file as, or undefined when AICC does not take it. The name's extension decides
 * (browsers give `type` only for extensions they know); a name without one is judged by its type.
 */
export function uploadType(file: { name: string; type: string }): string | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase();
  if (extension !== undefined) return MIME_BY_EXTENSION[extension];
  const type = file.type.split(';')[0]!.trim().toLowerCase();
  return type in UPLOAD_TYPES ? type : undefined;
}
