// AICC's DownLinkMsg and push body: the TypeBox schemas (the shape, checked by Fastify before our code runs)
// and the normalisation that applies our readings of the spec (docs/aicc.md §1) on top of the shape.

import { hash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { GatewayError } from '../errors.js';
import { idProblem } from './customerId.js';
import { MAX_CONTENT_LENGTH, MAX_ID_LENGTH } from '../limits.js';
import type { DownLinkMsg, Location } from '../protocol/index.js';

const MAX_MESSAGES_PER_PUSH = 1000;
/** Keys the spec does not list are kept as sent, but storing and delivering them recurses: bound their nesting. */
export const MAX_VALUE_DEPTH = 64;

// The push table says `long`; AICC's send and poll pages use strings for the same field (docs/aicc.md §7,
// item 8). We take both and keep a number inside.
const Timestamp = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,16}$' })]);
const NullableText = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

export const DownLinkMsgSchema = Type.Object(
  {
    channel: Type.String({ minLength: 1, maxLength: 32 }),
    isOfflineStatus: Type.Optional(Type.Union([Type.Boolean(), Type.Null(), Type.Enum(['true', 'false'])])),
    content: Type.Optional(NullableText(MAX_CONTENT_LENGTH)),
    from: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    mediaType: Type.Optional(NullableText(32)),
    senderNickname: Type.Optional(NullableText(256)),
    sourceType: Type.String({ minLength: 1, maxLength: 32 }),
    controlType: Type.String({ minLength: 1, maxLength: 32 }),
    timestamp: Timestamp,
    to: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    simQuestions: Type.Optional(NullableText(MAX_CONTENT_LENGTH)),
    messageCode: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  },
  // Pushes carry keys the table does not list (`callId` in the samples): kept, never a reason to refuse.
  { additionalProperties: true },
);

export const PushBodySchema = Type.Object(
  {
    messages: Type.Array(DownLinkMsgSchema, { maxItems: MAX_MESSAGES_PER_PUSH }),
    timestamp: Timestamp,
  },
  { additionalProperties: true },
);

/** A DownLinkMsg as AICC sends it, before normalizeDownLinkMsg (the stored and delivered form is protocol's `DownLinkMsg`). */
export type RawDownLinkMsg = Static<typeof DownLinkMsgSchema>;
export type PushBody = Static<typeof PushBodySchema>;

export const CONTROL_TYPES = ['CONNECT', 'CHAT', 'DISCONNECT', 'TRANS2AGENT', 'READ', 'INPUT'] as const;
export const MEDIA_TYPES = ['TEXT', 'IMAGE', 'VIDEO', 'AUDIO', 'LOCATE', 'DOCUMENT'] as const;
const SOURCE_TYPES = ['AGENT', 'ROBOT', 'SYSTEM', 'CUSTOMER'] as const;

export interface NormalizedMessage {
  customerId: string;
  /** Idempotency key within the customer's log: a retried push maps to the same key. */
  dedupeKey: string;
  /** Typing (INPUT) is delivered but never stored. */
  ephemeral: boolean;
  /** False when controlType, mediaType or sourceType is outside the documented values (kept, but flagged). */
  known: boolean;
  timestamp: number;
  message: DownLinkMsg;
}

/** Normalises every message of a push, or throws for the first one that breaks a rule: all or nothing. */
export function normalizePush(body: PushBody): NormalizedMessage[] {
  return body.messages.map((msg, index) => normalizeDownLinkMsg(msg, index));
}

export function normalizeDownLinkMsg(msg: RawDownLinkMsg, index: number): NormalizedMessage {
  const controlType = msg.controlType.trim().toUpperCase();
  const sourceType = msg.sourceType.trim().toUpperCase();
  const mediaType = msg.mediaType == null ? null : msg.mediaType.trim().toUpperCase();
  const content = msg.content ?? null;

  for (const key in msg) {
    const value: unknown = msg[key as keyof RawDownLinkMsg];
    if (value !== null && typeof value === 'object' && nestsDeeperThan(value, MAX_VALUE_DEPTH)) {
      refuseField(index, key, `must not nest deeper than ${MAX_VALUE_DEPTH} levels`);
    }
  }
  const toProblem = idProblem(msg.to);
  if (toProblem) refuseField(index, 'to', toProblem.why);
  if (!msg.from.trim()) refuseField(index, 'from', 'must not be blank');
  if (controlType === 'CHAT') {
    if (mediaType === null || mediaType === '') refuseField(index, 'mediaType', 'is required when controlType is CHAT');
    if (content === null) refuseField(index, 'content', 'is required when controlType is CHAT');
    if (mediaType !== 'TEXT' && content!.trim() === '') refuseField(index, 'content', `must name the ${mediaType} resource`);
  }

  const message: DownLinkMsg = {
    ...msg,
    controlType,
    sourceType,
    mediaType,
    content,
    ...(msg.isOfflineStatus != null ? { isOfflineStatus: msg.isOfflineStatus === true || msg.isOfflineStatus === 'true' } : {}),
  };
  if (controlType === 'CHAT' && mediaType === 'LOCATE') {
    message.location = parseLocation(content!, (why) => refuseField(index, 'content', why));
  }
  if (controlType === 'READ') message.readIds = parseReadIds(content);

  const timestamp = Number(msg.timestamp);
  return {
    customerId: msg.to,
    dedupeKey: dedupeKeyOf(msg, controlType, timestamp),
    ephemeral: controlType === 'INPUT',
    known:
      includes(CONTROL_TYPES, controlType) &&
      includes(SOURCE_TYPES, sourceType) &&
      (mediaType === null || includes(MEDIA_TYPES, mediaType)),
    timestamp,
    message,
  };
}

/** Refuses the push for one field of one message (no closure per message: this runs for every message). */
function refuseField(index: number, field: string, why: string): never {
  throw new GatewayError('INVALID_PARAMETER', `messages[${index}].${field}: ${why}`);
}

/** LOCATE content is `latitude/longitude/description`; the description may itself contain slashes. */
export function parseLocation(content: string, refuse: (why: string) => never): Location {
  const [lat, lon, ...rest] = content.split('/');
  const shape = 'must be "latitude/longitude/description" for LOCATE';
  if (lon === undefined) refuse(shape);
  const latitude = decimal(lat!);
  const longitude = decimal(lon!);
  if (latitude === undefined || longitude === undefined) refuse(shape);
  if (latitude! < -90 || latitude! > 90) refuse(`latitude ${lat} is outside -90..90`);
  if (longitude! < -180 || longitude! > 180) refuse(`longitude ${lon} is outside -180..180`);
  return { latitude: latitude!, longitude: longitude!, description: rest.join('/').trim() };
}

/** READ content: the sample is "id1,id2"; the table says "array", so a JSON array of strings is taken too. */
export function parseReadIds(content: string | null): string[] {
  if (content === null) return [];
  const trimmed = content.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map((id) => String(id).trim()).filter(Boolean);
    } catch {
      // Not JSON after all: fall through to the comma-separated reading.
    }
  }
  return trimmed.split(',').map((id) => id.trim()).filter(Boolean);
}

/**
 * AICC documents no retry or dedupe rules and sends `messageCode: null` in every sample (docs/aicc.md §6),
 * so without a code a message is identified by what a retry necessarily repeats.
 */
function dedupeKeyOf(msg: RawDownLinkMsg, controlType: string, timestamp: number): string {
  if (msg.messageCode) return `code:${msg.messageCode}`;
  // One-shot hash: the same digest as createHash().update().digest(), without the Hash object.
  const digest = hash('sha256', JSON.stringify([msg.from, msg.to, timestamp, controlType, msg.content ?? null]), 'base64url');
  return `hash:${digest}`;
}

/** Without recursion: a hostile body may nest a million levels, more than any stack (ours or the store's) takes. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

function decimal(text: string): number | undefined {
  const trimmed = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : undefined;
}

function includes(list: readonly string[], value: string): boolean {
  return list.includes(value);
}
