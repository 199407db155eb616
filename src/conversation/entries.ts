// What the customer sends, as entries of the customer's own log (sourceType CUSTOMER), and the status entries
// that follow each of them (pending → sent, or failed with the reason). The log is the truth: every tab, and a
// tab that reconnects later, sees the same messages and statuses.

import { randomUUID } from 'node:crypto';
import type { NormalizedMessage } from '../aicc/downlink.js';
import { STATUS_CONTROL_TYPE, SURVEY_CONTROL_TYPE } from './controlTypes.js';
import type { DownLinkMsg, StatusMessage } from '../protocol/index.js';

export const FILE_MEDIA_TYPES = ['IMAGE', 'AUDIO', 'VIDEO', 'DOCUMENT'] as const;
export type FileInput = {
  kind: 'file'; objectKey: string; mediaType: (typeof FILE_MEDIA_TYPES)[number]; fileName: string; size: number; fileType: string;
};
export type UplinkInput =
  | { kind: 'text'; text: string }
  | { kind: 'location'; latitude: number; longitude: number; description: string }
  | FileInput;

/** AICC's FILE content is "fileName,fileSize,fileId,fileType": a comma in the name would shift the other fields. */
const NOT_IN_FILE_NAMES = /[,\p{Cc}]/u;
const NOT_IN_FILE_NAMES_ALL = /[,\p{Cc}]/gu;

export function isFileName(name: string): boolean {
  return !NOT_IN_FILE_NAMES.test(name);
}

/** An upload's name (?name=) as a file name AICC can be sent: commas and control characters become "_". */
export function safeFileName(name: string): string {
  return name.replace(NOT_IN_FILE_NAMES_ALL, '_');
}

export type UplinkStatus = StatusMessage['status'];

export function customerMessage(customerId: string, channelId: string, clientMessageId: string, input: UplinkInput): NormalizedMessage {
  const now = Date.now();
  const base = {
    channel: 'WEB',
    from: customerId,
    to: channelId,
    controlType: 'CHAT',
    sourceType: 'CUSTOMER',
    timestamp: now,
    messageCode: clientMessageId,
  };
  let message: DownLinkMsg;
  switch (input.kind) {
    case 'text':
      message = { ...base, mediaType: 'TEXT', content: input.text };
      break;
    case 'location': {
      const location = { latitude: input.latitude, longitude: input.longitude, description: input.description };
      message = { ...base, mediaType: 'LOCATE', content: `${input.latitude}/${input.longitude}/${input.description}`, location };
      break;
    }
    case 'file':
      message = {
        ...base, mediaType: input.mediaType, content: input.objectKey,
        fileName: input.fileName, fileSize: input.size, fileType: input.fileType,
      };
      break;
  }
  return customerEntry(customerId, `client:${clientMessageId}`, message, now);
}

/** The customer asking for a human (sent up as TRANS2AGENT). */
export function transferRequest(customerId: string, channelId: string, clientMessageId: string): NormalizedMessage {
  return controlRequest(customerId, channelId, clientMessageId, 'TRANS2AGENT');
}

/** The customer ending the conversation (sent up as DISCONNECT): stored first, so every tab shows it ended. */
export function endRequest(customerId: string, channelId: string, clientMessageId: string): NormalizedMessage {
  return controlRequest(customerId, channelId, clientMessageId, 'DISCONNECT');
}

/** A control message of the customer's own, without content, known by its clientMessageId. */
function controlRequest(customerId: string, channelId: string, clientMessageId: string, controlType: 'TRANS2AGENT' | 'DISCONNECT'): NormalizedMessage {
  const now = Date.now();
  const message: DownLinkMsg = {
    channel: 'WEB', from: customerId, to: channelId, controlType, sourceType: 'CUSTOMER',
    mediaType: null, content: null, timestamp: now, messageCode: clientMessageId,
  };
  return customerEntry(customerId, `client:${clientMessageId}`, message, now);
}

/** The customer's survey answer for the conversation that ended at `endedSeq`: one per conversation (its key). */
export function surveyEntry(customerId: string, endedSeq: number, evaluation: number): NormalizedMessage {
  const now = Date.now();
  const message: DownLinkMsg = {
    channel: 'WEB', from: 'gateway', to: customerId, controlType: SURVEY_CONTROL_TYPE, sourceType: 'GATEWAY',
    mediaType: null, content: null, timestamp: now, refSeq: endedSeq, evaluation,
  };
  return { customerId, dedupeKey: `survey:${endedSeq}`, ephemeral: false, known: true, timestamp: now, message };
}

export function statusEntry(
  customerId: string,
  refSeq: number,
  status: UplinkStatus,
  failure?: { reason: string; code: string; resultCode?: string },
): NormalizedMessage {
  const now = Date.now();
  const message: DownLinkMsg = {
    channel: 'WEB', from: 'gateway', to: customerId, controlType: STATUS_CONTROL_TYPE, sourceType: 'GATEWAY',
    mediaType: null, content: null, timestamp: now, refSeq, status,
    ...(failure ? { reason: failure.reason, errorCode: failure.code, ...(failure.resultCode ? { resultCode: failure.resultCode } : {}) } : {}),
  };
  return { customerId, dedupeKey: `status:${randomUUID()}`, ephemeral: false, known: true, timestamp: now, message };
}

function customerEntry(customerId: string, dedupeKey: string, message: DownLinkMsg, timestamp: number): NormalizedMessage {
  return { customerId, dedupeKey, ephemeral: false, known: true, timestamp, message };
}

/** A gateway-made ephemeral event for the customer's streams (queue position). */
export function ephemeral(customerId: string, controlType: string, fields: Record<string, unknown>): NormalizedMessage {
  const now = Date.now();
  return {
    customerId, dedupeKey: '', ephemeral: true, known: true, timestamp: now,
    message: { channel: 'WEB', from: 'gateway', to: customerId, controlType, sourceType: 'GATEWAY', mediaType: null, content: null, timestamp: now, ...fields },
  };
}

/**
 * Whether a retry (same clientMessageId) carries the message stored first: everything but the time it was made.
 * A retry that differs is refused rather than answered as a duplicate, or the agent would read another text
 * than the customer's tabs show.
 */
export function sameMessage(stored: DownLinkMsg, retried: DownLinkMsg): boolean {
  const { timestamp: _a, ...first } = stored;
  const { timestamp: _b, ...again } = retried;
  return canonical(first) === canonical(again);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
