// What a page may ask of the chat widget (`<script src=".../widget.js">`): the `window.AiccChat` object and the
// `window.AiccChatConfig` settings, as types. The widget implements them (src/widget/pageApi.ts); a site's
// TypeScript gets them with `import type {} from 'aicc-gateway/widget'` (which also types `window.AiccChat`).

import type { ConversationState } from '../protocol/index.js';

export type { ConversationState };

/** The widget's languages. */
export type WidgetLocale = 'en' | 'zh-CN';

/** A message from an agent or the robot, as it arrives (history is not replayed as events). */
export interface WidgetMessage {
  /** Its position in the customer's log. */
  seq: number;
  author: 'agent' | 'bot';
  /** The sender's name, when AICC gave one. */
  nickname: string | undefined;
  kind: 'text' | 'image' | 'audio' | 'video' | 'document' | 'location';
  /** The text of a text message; undefined for the other kinds. */
  text: string | undefined;
}

/** Every event `window.AiccChat.on` names, with what its listener receives. */
export interface WidgetEvents {
  /** The widget is on the page (again after `reset`, `identify` or `setLocale`). */
  ready: undefined;
  opened: undefined;
  closed: undefined;
  message: WidgetMessage;
  /** How many messages from others the customer has not seen (0 once seen). */
  unread: number;
  /** The conversation's state: who answers (bot, queuing, agent), whether it ended, whether the customer may write. */
  state: ConversationState;
}

export type WidgetEventName = keyof WidgetEvents;

/** `window.AiccChat`. */
export interface AiccChatApi {
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  /** Messages from others not seen yet (what the launcher's badge shows). */
  readonly unreadCount: number;
  /** The conversation's state once the widget is connected; undefined before. */
  readonly state: ConversationState | undefined;
  readonly locale: WidgetLocale;
  /** Adds a listener; answers a function that removes it. A `ready` listener added after ready is called at once. */
  on<E extends WidgetEventName>(event: E, listener: (value: WidgetEvents[E]) => void): () => void;
  off<E extends WidgetEventName>(event: E, listener: (value: WidgetEvents[E]) => void): void;
  /** Switches the widget's language (the conversation carries on). */
  setLocale(locale: WidgetLocale): void;
  /** Shows or hides the round launcher button (for a page that opens the chat from its own button). */
  setLauncher(visible: boolean): void;
  /**
   * The customer logged in (or changed): closes the current conversation's stream and connects as the customer
   * whose tokens `getToken` gives (the host's backend mints them, as `AiccChatConfig.getToken` does).
   */
  identify(getToken: () => Promise<string>): Promise<void>;
  /**
   * The customer logged out: closes the stream at once, forgets the customer (the stored visitor, what was seen,
   * the `getToken` given) and empties the widget, so the next person on this browser starts with nothing.
   */
  reset(): Promise<void>;
}

/** `window.AiccChatConfig`, set before the widget's script runs, for what a `data-` attribute cannot carry. */
export interface AiccChatSettings {
  /** Tokens from the host's backend, asked for at start and whenever the current one expires or is refused. */
  getToken?: () => Promise<string>;
  /** One fixed customer token (prefer getToken: a fixed token cannot be renewed). */
  token?: string;
  /** One greeting, or one per language. */
  greeting?: string | Partial<Record<WidgetLocale, string>>;
  /** false: no launcher button; the page opens the chat itself (`AiccChat.open()`). Default true. */
  launcher?: boolean;
}

declare global {
  interface Window {
    AiccChatConfig?: AiccChatSettings;
    AiccChat?: AiccChatApi;
  }
}
