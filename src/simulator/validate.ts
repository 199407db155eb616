// The checks AICC's send/sendAsync apply to a SendMsgRequest (docs/aicc.md §5, send), written as one
// pure function that names the first rule broken, so a gateway bug shows up as a readable resultDesc.

import type { SendControlType, SendMediaType, SendMsgRequest } from '../aicc/api.js';

const CONTROL_TYPES: readonly SendControlType[] = ['CONNECT', 'CHAT', 'TRANS2AGENT', 'INPUT', 'DISCONNECT', 'READ'];
/** send's mediaType list (cec_07_0105): no LOCATE, which is a downlink type only. */
const MEDIA_TYPES: readonly SendMediaType[] = [
  'TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'FILE', 'FILE_IMAGE', 'FILE_VIDEO', 'WEBCARD',
];
/** Huawei's own samples use a 39-character user (see MAX_USER_ID in routes.ts). */
const MAX_FROM = 64;
/** TEXT content: at most 1 KB (docs/aicc.md §5), counted in UTF-8 bytes. */
const MAX_TEXT_BYTES = 1024;

export interface SendCheckContext {
  /** The user the ccmessaging-token belongs to. */
  userId: string;
  channelId: string;
  /** Whether an objectKey names an uploaded file. */
  isKnownFile: (objectKey: string) => boolean;
}

/** The request, typed, when it keeps every rule; otherwise the first rule it breaks. */
export function checkSendRequest(body: unknown, ctx: SendCheckContext): { request: SendMsgRequest } | { error: string } {
  const error = (text: string) => ({ error: text });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return error('the body must be a JSON object');
  const req = body as Record<string, unknown>;
  if (req.channel !== 'WEB') return error('channel must be "WEB"');
  if (!CONTROL_TYPES.includes(req.controlType as SendControlType)) {
    return error(`controlType must be one of ${CONTROL_TYPES.join(', ')}`);
  }
  if (req.sourceType !== 'CUSTOMER') return error('sourceType must be "CUSTOMER"');
  if (typeof req.from !== 'string' || req.from.length > MAX_FROM) return error(`from must be the userId (at most ${MAX_FROM} characters)`);
  if (req.from !== ctx.userId) return error('from must be the userId the ccmessaging-token was issued for');
  if (req.to !== ctx.channelId) return error('to must be the channel Configuration ID');
  // Optional (cec_05_2031), a string of milliseconds when given.
  if (req.timestamp !== undefined && req.timestamp !== null && (typeof req.timestamp !== 'string' || !/^\d{10,16}$/.test(req.timestamp))) {
    return error('timestamp, when given, must be a string of milliseconds, e.g. "1625898453913"');
  }
  for (const name of ['content', 'senderNickname', 'userAgent', 'senderAvatar', 'messageCode'] as const) {
    if (req[name] !== undefined && req[name] !== null && typeof req[name] !== 'string') return error(`${name} must be a string`);
  }
  if (typeof req.messageCode === 'string' && req.messageCode.length > 64) return error('messageCode is at most 64 characters');
  // Mandatory in the developer guide (cec_05_2031), control messages included: Huawei's samples send "TEXT".
  if (!MEDIA_TYPES.includes(req.mediaType as SendMediaType)) {
    return error(`mediaType is required and must be one of ${MEDIA_TYPES.join(', ')}`);
  }
  if (req.controlType === 'CHAT') {
    const problem = checkChatContent(req.mediaType as SendMediaType | undefined, (req.content as string | undefined) ?? '', ctx);
    if (problem) return error(problem);
  }
  return { request: req as unknown as SendMsgRequest };
}

function checkChatContent(mediaType: SendMediaType | undefined, content: string, ctx: SendCheckContext): string | undefined {
  switch (mediaType) {
    case undefined:
      return 'mediaType is required when controlType is CHAT';
    case 'TEXT':
      if (content.trim() === '') return 'content is required for TEXT';
      if (Buffer.byteLength(content, 'utf8') > MAX_TEXT_BYTES) return `TEXT content is at most ${MAX_TEXT_BYTES} bytes`;
      return undefined;
    case 'IMAGE':
    case 'AUDIO':
    case 'VIDEO':
      return ctx.isKnownFile(content) ? undefined : `${mediaType} content must be an objectKey from uploadFileStream`;
    case 'FILE': {
      // "fileName,fileSize(bytes),fileId,fileType": four fields, no more; a comma in a field would shift the others.
      const fields = content.split(',');
      const [name, size, fileId, type] = fields;
      if (fields.length !== 4 || !name || !/^\d+$/.test(size ?? '') || !fileId || !type) {
        return 'FILE content must be "fileName,fileSize,fileId,fileType"';
      }
      return ctx.isKnownFile(fileId) ? undefined : 'FILE content must name an uploaded fileId';
    }
    case 'FILE_IMAGE':
    case 'FILE_VIDEO': {
      const [fileId, ext] = content.split(',');
      if (!fileId || !ext) return `${mediaType} content must be "fileId,ext"`;
      return ctx.isKnownFile(fileId) ? undefined : `${mediaType} content must name an uploaded fileId`;
    }
    case 'WEBCARD':
      return checkWebCard(content);
  }
}

function checkWebCard(content: string): string | undefined {
  try {
    const card = JSON.parse(content) as Record<string, unknown>;
    if (!card || typeof card !== 'object') return 'WEBCARD content must be a JSON object';
    if (!card.redirectUrl && !card.mediaFileId) return 'WEBCARD content needs redirectUrl or mediaFileId';
    return undefined;
  } catch {
    return 'WEBCARD content must be a JSON string';
  }
}
