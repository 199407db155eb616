// Who the customer is: the customer token (the host page's, or an anonymous visitor's kept in localStorage so
// that a reload resumes the same conversation). The calls it makes go through api.ts.

import { createVisitor, refreshVisitor, type Visitor } from './api.js';

/** A visitor token is refreshed when it has less than this left. */
const REFRESH_MARGIN_MS = 60 * 60 * 1000;

export class Session {
  #token: string | undefined;
  #pending: Promise<string> | undefined;
  /** The page reset the widget: a visitor created after that is not stored for the next person. */
  #closed = false;
  readonly #storageKey: string;

  constructor(
    readonly gateway: string,
    private readonly host: { token?: string; getToken?: () => Promise<string> },
    private readonly storage: Storage | undefined,
    /** The widget's language, given to a new visitor. */
    private readonly lang = 'en',
  ) {
    this.#token = host.getToken ? undefined : host.token;
    this.#storageKey = `aicc-chat:${gateway}:visitor`;
  }

  /** True when a conversation can be resumed without creating anything (host token, or a stored visitor). */
  get known(): boolean {
    return this.#token !== undefined || this.host.getToken !== undefined || this.#stored() !== undefined;
  }

  /** The name a new visitor is given (the pre-chat form's). */
  name: string | undefined;

  get visitorId(): string | undefined {
    return this.#stored()?.visitorId;
  }

  /** The token to use now: the host's, or the stored visitor's (refreshed near its end), or a new visitor's. */
  token(): Promise<string> {
    if (this.#token !== undefined) return Promise.resolve(this.#token);
    this.#pending ??= this.#obtain().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** The gateway refused `token`: the next `token()` asks for another one (a fixed host token stays). */
  refused(token: string): void {
    if (this.#token === token && this.#renewable) this.#token = undefined;
    const stored = this.#stored();
    if (stored?.token === token) this.#store({ ...stored, expiresAt: 0 });
  }

  /**
   * For the SDK, which asks only when the current token was refused (4001, HTTP 401) or expires within its margin
   * (30 s). A stored visitor token further from its end than ours was therefore refused: get a new visitor.
   */
  readonly getToken = (): Promise<string> => {
    const stored = this.#stored();
    if (stored && stored.expiresAt - Date.now() > REFRESH_MARGIN_MS) this.refused(stored.token);
    if (this.#renewable) this.#token = undefined;
    return this.token();
  };

  /** False for a fixed `data-token` without `getToken`: nothing else to ask for. */
  get #renewable(): boolean {
    return this.host.getToken !== undefined || this.host.token === undefined;
  }

  async #obtain(): Promise<string> {
    if (this.host.getToken) return (this.#token = await this.host.getToken());
    if (this.host.token !== undefined) return (this.#token = this.host.token);
    const stored = this.#stored();
    if (stored && stored.expiresAt - Date.now() > REFRESH_MARGIN_MS) return (this.#token = stored.token);
    if (stored && stored.expiresAt > Date.now()) {
      const refreshed = await refreshVisitor(this.gateway, stored.token).catch(() => undefined);
      if (refreshed) return this.#remember(refreshed);
    }
    return this.#remember(await createVisitor(this.gateway, this.lang, this.name));
  }

  #remember(visitor: Visitor): string {
    this.#store({ visitorId: visitor.visitorId, token: visitor.token, expiresAt: visitor.expiresAt });
    return (this.#token = visitor.token);
  }

  #stored(): Visitor | undefined {
    try {
      const raw = this.storage?.getItem(this.#storageKey);
      const value = raw ? (JSON.parse(raw) as Partial<Visitor>) : undefined;
      if (value && typeof value.token === 'string' && typeof value.visitorId === 'string' && typeof value.expiresAt === 'number') {
        return value as Visitor;
      }
    } catch {
      // Storage disabled or a value we did not write: a new visitor.
    }
    return undefined;
  }

  /** Stores nothing more (the widget was removed; its storage is being cleared). */
  close(): void {
    this.#closed = true;
  }

  #store(visitor: Visitor): void {
    if (this.#closed) return;
    try {
      this.storage?.setItem(this.#storageKey, JSON.stringify(visitor));
    } catch {
      // Storage full or disabled: the conversation lasts as long as the page.
    }
  }
}

/** A clientMessageId: unique, and within the protocol's CLIENT_MESSAGE_ID_PATTERN. */
export function newClientMessageId(): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `w-${random}`;
}
