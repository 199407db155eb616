// `window.AiccChat`: the host page's handle on the widget (its types, for sites: src/client/widgetApi.ts). It
// outlives the widget it drives: a change of customer (identify, reset) or of language removes the widget and
// mounts a fresh one, so no state of the previous customer can leak into the next; listeners stay registered.

import type { AiccChatApi, ConversationState, WidgetEventName, WidgetEvents, WidgetLocale, WidgetMessage } from '../client/widgetApi.js';
import type { ChatEvents, Chat } from './chat.js';
import type { WidgetConfig } from './config.js';
import { chooseLang } from './i18n.js';
import type { Panel } from './panel.js';

/** What the page changed after load; each mount reads its configuration again with these on top. */
export interface MountOptions {
  lang?: WidgetLocale;
  launcher?: boolean;
  /** Set once the page said who the customer is: its `getToken`, or undefined after a logout (nobody). */
  identity?: { getToken: (() => Promise<string>) | undefined };
  /** Open the panel at once (it was open before a change of language or customer). */
  open?: boolean;
}

/** What a mounted widget tells the page. */
export interface PageHooks extends ChatEvents {
  opened(): void;
  closed(): void;
}

export interface Mounted {
  chat: Chat;
  panel: Panel;
  config: WidgetConfig;
  /** Closes the stream at once and takes the widget off the page. */
  remove(): void;
}

type Listener = (value: never) => void;

export class PageApi implements AiccChatApi {
  readonly #listeners = new Map<WidgetEventName, Set<Listener>>();
  readonly #options: MountOptions = {};
  #widget: Mounted;
  #ready = false;
  /** The last count the page heard, so that a listener hears each change once. */
  #unread = 0;

  constructor(
    private readonly mount: (options: MountOptions, hooks: PageHooks) => Mounted,
    private readonly storage: Storage | undefined,
  ) {
    this.#widget = this.#mount();
  }

  get isOpen(): boolean {
    return this.#widget.panel.isOpen;
  }

  get unreadCount(): number {
    return this.#widget.chat.unread;
  }

  get state(): ConversationState | undefined {
    return this.#widget.chat.state;
  }

  get locale(): WidgetLocale {
    return this.#widget.config.lang;
  }

  open(): void {
    this.#widget.panel.open();
  }

  close(): void {
    this.#widget.panel.close();
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  on<E extends WidgetEventName>(event: E, listener: (value: WidgetEvents[E]) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('AiccChat.on: the listener must be a function');
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    // Pages often add their listeners after the widget loaded: a late `ready` listener is not left waiting.
    if (event === 'ready' && this.#ready) queueMicrotask(() => set.has(listener as Listener) && call(listener as Listener, undefined));
    return () => this.off(event, listener);
  }

  off<E extends WidgetEventName>(event: E, listener: (value: WidgetEvents[E]) => void): void {
    this.#listeners.get(event)?.delete(listener as Listener);
  }

  setLocale(locale: WidgetLocale): void {
    const lang = chooseLang(locale, []);
    if (lang === this.locale) return;
    this.#options.lang = lang;
    this.#remount(this.isOpen);
  }

  setLauncher(visible: boolean): void {
    this.#options.launcher = visible;
    this.#widget.panel.setLauncher(visible);
  }

  async identify(getToken: () => Promise<string>): Promise<void> {
    if (typeof getToken !== 'function') throw new TypeError('AiccChat.identify: getToken must be a function that answers a token');
    this.#options.identity = { getToken };
    this.#remount(this.isOpen);
  }

  async reset(): Promise<void> {
    this.#options.identity = { getToken: undefined };
    // The stream closes first, then what this browser kept of the customer goes: the visitor's token, what was
    // seen and rated. Every key of ours for this gateway, so nothing of theirs is left for the next person.
    this.#remount(false, () => {
      const prefix = `aicc-chat:${this.#widget.config.gateway}:`;
      try {
        const keys = Array.from({ length: this.storage?.length ?? 0 }, (_, i) => this.storage!.key(i));
        for (const key of keys) if (key?.startsWith(prefix)) this.storage!.removeItem(key);
      } catch {
        // Storage disabled: nothing was kept.
      }
    });
  }

  #remount(open: boolean, removed?: () => void): void {
    this.#widget.remove();
    removed?.();
    this.#ready = false;
    this.#widget = this.#mount(open);
    // A new customer (or none) has nothing unread; the same customer's count comes back with their history.
    this.#hooks.unread(this.#widget.chat.unread);
  }

  #mount(open = false): Mounted {
    const widget = this.mount({ ...this.#options, open }, this.#hooks);
    // After the caller has its handle (window.AiccChat is set by then).
    queueMicrotask(() => {
      if (this.#widget !== widget) return;
      this.#ready = true;
      this.#emit('ready', undefined);
      window.dispatchEvent(new CustomEvent('aiccchat:ready'));
    });
    return widget;
  }

  readonly #hooks: PageHooks = {
    opened: () => this.#emit('opened', undefined),
    closed: () => this.#emit('closed', undefined),
    message: (message: WidgetMessage) => this.#emit('message', message),
    state: (state: ConversationState) => this.#emit('state', state),
    unread: (count: number) => {
      if (count === this.#unread) return;
      this.#unread = count;
      this.#emit('unread', count);
    },
  };

  #emit<E extends WidgetEventName>(event: E, value: WidgetEvents[E]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) call(listener, value);
  }
}

/** A page's listener that throws must not break the widget (nor the other listeners). */
function call(listener: Listener, value: unknown): void {
  try {
    (listener as (value: unknown) => void)(value);
  } catch (error) {
    console.error('aicc-chat: a listener failed', error);
  }
}
