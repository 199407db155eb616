// What each stored entry of the customer's log means on screen, as pure functions: a bubble (agent, bot or the
// customer's own), a notice in the middle (system text, an agent joining, the end), a status for one of the
// customer's messages (STATUS entries and READ receipts), or nothing. The view applies what these say.

import type { OutgoingMessage } from '../client/index.js';
import type { ConversationState, DownLinkMsg, MessageEntry } from '../protocol/index.js';

export type Author = 'customer' | 'agent' | 'bot';

export type Body =
  | { kind: 'text'; text: string }
  | { kind: 'image' | 'audio' | 'video'; id: string }
  | { kind: 'document'; id: string; fileName: string | undefined }
  | { kind: 'location'; latitude: number; longitude: number; description: string };

export type Display =
  | {
      kind: 'bubble';
      author: Author;
      nickname: string | undefined;
      body: Body;
      suggestions: string[];
      messageCode: string | undefined;
      /** A robot answer's interaction index: what rating it names (POST /v1/robot-feedback). */
      interIdx: string | undefined;
    }
  | { kind: 'notice'; notice: 'system'; text: string }
  | { kind: 'notice'; notice: 'ended' | 'offline' | 'asked-human' | 'you-ended'; text: string | undefined }
  | { kind: 'status'; refSeq: number; status: 'sent' | 'failed'; reason: string | undefined; errorCode: string | undefined }
  | { kind: 'read'; ids: string[] }
  | { kind: 'hidden' };

export type Delivery = 'sending' | 'sent' | 'read' | 'failed';

export function display(message: DownLinkMsg): Display {
  const { controlType, sourceType } = message;
  const nickname = typeof message.senderNickname === 'string' && message.senderNickname.trim() ? message.senderNickname.trim() : undefined;
  switch (controlType) {
    case 'STATUS': {
      const refSeq = Number(message.refSeq);
      const status = message.status === 'failed' ? 'failed' : message.status === 'sent' ? 'sent' : undefined;
      if (!Number.isInteger(refSeq) || !status) return { kind: 'hidden' };
      const reason = typeof message.reason === 'string' ? message.reason : undefined;
      return { kind: 'status', refSeq, status, reason, errorCode: typeof message.errorCode === 'string' ? message.errorCode : undefined };
    }
    case 'READ':
      if (sourceType === 'CUSTOMER') return { kind: 'hidden' };
      return { kind: 'read', ids: Array.isArray(message.readIds) ? message.readIds.map(String) : splitIds(message.content) };
    case 'CONNECT':
      // The agent joining is the state banner's news (and AICC's own SYSTEM notice says it in the log).
      return { kind: 'hidden' };
    case 'DISCONNECT': {
      if (sourceType === 'CUSTOMER') return { kind: 'notice', notice: 'you-ended', text: undefined };
      const tip = typeof message.content === 'string' && message.content.trim() && message.content !== '{TIPS}' ? message.content : undefined;
      return { kind: 'notice', notice: message.isOfflineStatus === true ? 'offline' : 'ended', text: tip };
    }
    case 'TRANS2AGENT':
      return sourceType === 'CUSTOMER' ? { kind: 'notice', notice: 'asked-human', text: undefined } : { kind: 'hidden' };
    case 'CHAT': {
      const body = bodyOf(message);
      if (!body) return { kind: 'hidden' };
      if (sourceType === 'SYSTEM') return body.kind === 'text' ? { kind: 'notice', notice: 'system', text: body.text } : { kind: 'hidden' };
      const author: Author = sourceType === 'CUSTOMER' ? 'customer' : sourceType === 'ROBOT' ? 'bot' : 'agent';
      const messageCode = typeof message.messageCode === 'string' ? message.messageCode : undefined;
      const interIdx = author === 'bot' ? interIdxOf(message.interIdx) : undefined;
      return { kind: 'bubble', author, nickname, body, suggestions: author === 'bot' ? suggestionsOf(message.simQuestions) : [], messageCode, interIdx };
    }
    default:
      return { kind: 'hidden' };
  }
}

function bodyOf(message: DownLinkMsg): Body | undefined {
  const content = typeof message.content === 'string' ? message.content : '';
  switch (message.mediaType) {
    case 'TEXT':
      return content ? { kind: 'text', text: content } : undefined;
    case 'IMAGE':
      return content ? { kind: 'image', id: content } : undefined;
    case 'AUDIO':
      return content ? { kind: 'audio', id: content } : undefined;
    case 'VIDEO':
      return content ? { kind: 'video', id: content } : undefined;
    case 'DOCUMENT':
    case 'FILE':
      return content ? { kind: 'document', id: content, fileName: typeof message.fileName === 'string' ? message.fileName : undefined } : undefined;
    case 'LOCATE': {
      const location = message.location;
      if (!location || !Number.isFinite(location.latitude) || !Number.isFinite(location.longitude)) return undefined;
      return { kind: 'location', latitude: location.latitude, longitude: location.longitude, description: String(location.description ?? '') };
    }
    default:
      return content ? { kind: 'text', text: content } : undefined;
  }
}

/** AICC's `simQuestions`: a JSON array of strings, as a string. Anything else: no suggestions. */
export function suggestionsOf(value: unknown): string[] {
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  return list.filter((q): q is string => typeof q === 'string' && q.trim() !== '').map((q) => q.trim().slice(0, 200)).slice(0, 8);
}

/** AICC's `interIdx` as the gateway takes it back: a string (a number is read as its digits), 1–64 characters. */
export function interIdxOf(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  return text && text.length <= 64 ? text : undefined;
}

/**
 * Whether the robot message at `seq` answers the customer, and so is offered for rating, rather than greets them.
 * AICC's robot greets when the conversation is CONNECTed, before it answers anything (the call order of
 * docs/aicc.md §5: CONNECT, then CHAT; the rule is our reading, §8), and the gateway CONNECTs at the first message
 * of each conversation: at the log's start and after each end (a DISCONNECT, or a refusal as outside working
 * hours, after which the next message connects again).
 * So the robot's first message of a conversation is its greeting, and each later one an answer. In the log the
 * greeting may come after the customer's first message (stored before it reaches AICC), so "before the customer
 * wrote" would not tell them apart. `entries`: the log's entries the widget knows (any order, `seq`'s own
 * included or not). Where the start of the conversation is not loaded yet, its first robot message shown counts
 * as the greeting: a rating not offered, never a greeting rated. A robot set up to greet nobody loses the rating
 * of its first answer of each conversation, for the same reason.
 */
export function answersCustomer(seq: number, entries: Iterable<MessageEntry>): boolean {
  let lastRobot = -1;
  let lastEnd = -1;
  for (const entry of entries) {
    if (entry.seq >= seq) continue;
    const { message } = entry;
    if (endsConversation(message)) lastEnd = Math.max(lastEnd, entry.seq);
    else if (message.sourceType === 'ROBOT' && message.controlType === 'CHAT' && display(message).kind === 'bubble') lastRobot = Math.max(lastRobot, entry.seq);
  }
  return lastRobot > lastEnd;
}

/** An entry after which the gateway CONNECTs again at the customer's next message (src/aiccSide.ts markEnded). */
function endsConversation(message: DownLinkMsg): boolean {
  if (message.controlType === 'DISCONNECT') return true;
  return message.controlType === 'STATUS' && message.status === 'failed' && message.resultCode === '12';
}

function splitIds(content: string | null): string[] {
  return typeof content === 'string' ? content.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** Where each of the customer's messages stands: its last STATUS, then read once a READ lists it or follows it. */
export class Deliveries {
  readonly #status = new Map<number, { status: 'sent' | 'failed'; reason: string | undefined; errorCode: string | undefined }>();
  readonly #codes = new Map<number, string | undefined>();
  #readCodes = new Set<string>();
  /** Customer messages before this seq were read by the agent. */
  #readBefore = 0;

  /** A customer message entered the log. */
  track(seq: number, messageCode: string | undefined): void {
    this.#codes.set(seq, messageCode);
  }

  /** Applies a STATUS or READ entry; answers the seqs of the customer's messages whose delivery changed. */
  apply(seq: number, shown: Display): number[] {
    if (shown.kind === 'status') {
      this.#status.set(shown.refSeq, { status: shown.status, reason: shown.reason, errorCode: shown.errorCode });
      return [shown.refSeq];
    }
    if (shown.kind !== 'read') return [];
    for (const id of shown.ids) this.#readCodes.add(id);
    this.#readBefore = Math.max(this.#readBefore, seq);
    return [...this.#codes.keys()].filter((s) => s < seq || shown.ids.includes(this.#codes.get(s) ?? '\u0000'));
  }

  /** Why a failed message failed, as the gateway's code (the widget words it in its language); undefined otherwise. */
  errorCodeOf(seq: number): string | undefined {
    const status = this.#status.get(seq);
    return status?.status === 'failed' ? status.errorCode : undefined;
  }

  of(seq: number): { delivery: Delivery; reason: string | undefined } {
    const status = this.#status.get(seq);
    if (status?.status === 'failed') return { delivery: 'failed', reason: status.reason };
    const code = this.#codes.get(seq);
    const read = seq < this.#readBefore || (code !== undefined && this.#readCodes.has(code));
    if (read) return { delivery: 'read', reason: undefined };
    return { delivery: status?.status === 'sent' ? 'sent' : 'sending', reason: undefined };
  }
}

/** The banner a conversation state calls for (the connection's own banner is separate). */
export type Banner =
  | { kind: 'queuing'; position: number | null }
  | { kind: 'agent'; name: string | undefined }
  | { kind: 'ended' }
  | { kind: 'offline' }
  | undefined;

export function bannerOf(state: ConversationState, queuePosition: number | null): Banner {
  switch (state.phase) {
    case 'queuing':
      return { kind: 'queuing', position: queuePosition };
    case 'agent':
      return { kind: 'agent', name: state.agentNickname };
    case 'ended':
      return { kind: 'ended' };
    case 'offline':
      return { kind: 'offline' };
    default:
      return undefined;
  }
}

/** Messages that count for the unread badge: what others wrote. */
export function countsAsUnread(entry: MessageEntry): boolean {
  const shown = display(entry.message);
  return shown.kind === 'bubble' && shown.author !== 'customer';
}

/** The request that sends (again) a message the log holds: a Retry uses the same clientMessageId. */
export function resendBody(message: DownLinkMsg): OutgoingMessage | undefined {
  const content = typeof message.content === 'string' ? message.content : '';
  switch (message.mediaType) {
    case 'TEXT':
      return { kind: 'text', text: content };
    case 'LOCATE':
      return message.location ? { kind: 'location', ...message.location } : undefined;
    case 'IMAGE':
    case 'AUDIO':
    case 'VIDEO':
    case 'DOCUMENT':
      return {
        kind: 'file',
        objectKey: content,
        mediaType: message.mediaType,
        fileName: String(message.fileName ?? 'file'),
        size: Number(message.fileSize ?? 0),
        fileType: String(message.fileType ?? 'bin'),
      };
    default:
      return undefined;
  }
}
