// Who the customer is and how the widget talks up to the gateway: the customer token (the host page's, or an
// anonymous visitor's kept in localStorage so that a reload resumes the same conversation) and the uplink's
// HTTP calls (POST /v1/messages, /v1/uploads, /v1/transfer, /v1/typing, /v1/read).

export type SendBody =
  | { clientMessageId: string; kind: 'text'; text: string }
  | { clientMessageId: string; kind: 'location'; latitude: number; longitude: number; description: string }
  | {
      clientMessageId: string;
      kind: 'file';
      objectKey: string;
      mediaType: 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';
      fileName: string;
      size: number;
      fileType: string;
    };

export interface Upload {
  objectKey: string;
  mediaType: 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';
  fileType: string;
  fileName: string;
  size: number;
}

interface StoredVisitor {
  visitorId: string;
  token: string;
  expiresAt: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A visitor token is refreshed when it has less than this left. */
const REFRESH_MARGIN_MS = 60 * 60 * 1000;

export class Session {
  #token: string | undefined;
  #pending: Promise<string> | undefined;
  readonly #storageKey: string;

  constructor(
    readonly gateway: string,
    private readonly host: { token?: string; getToken?: () => Promise<string> },
    private readonly storage: Storage | undefined,
  ) {
    this.#token = host.getToken ? undefined : host.token;
    this.#storageKey = `aicc-chat:${gateway}:visitor`;
  }

  /** True when a conversation can be resumed without creating anything (host token, or a stored visitor). */
  get known(): boolean {
    return this.#token !== undefined || this.host.getToken !== undefined || this.#stored() !== undefined;
  }

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

  /** For the SDK, which asks only when the current token was refused or is about to expire. */
  readonly getToken = (): Promise<string> => {
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
      const refreshed = await this.#post<StoredVisitor>('/v1/visitors/refresh', undefined, stored.token).catch(() => undefined);
      if (refreshed) return this.#remember(refreshed);
    }
    return this.#remember(await this.#post<StoredVisitor>('/v1/visitors', undefined, undefined));
  }

  #remember(visitor: StoredVisitor): string {
    this.#store({ visitorId: visitor.visitorId, token: visitor.token, expiresAt: visitor.expiresAt });
    return (this.#token = visitor.token);
  }

  #stored(): StoredVisitor | undefined {
    try {
      const raw = this.storage?.getItem(this.#storageKey);
      const value = raw ? (JSON.parse(raw) as Partial<StoredVisitor>) : undefined;
      if (value && typeof value.token === 'string' && typeof value.visitorId === 'string' && typeof value.expiresAt === 'number') {
        return value as StoredVisitor;
      }
    } catch {
      // Storage disabled or a value we did not write: a new visitor.
    }
    return undefined;
  }

  #store(visitor: StoredVisitor): void {
    try {
      this.storage?.setItem(this.#storageKey, JSON.stringify(visitor));
    } catch {
      // Storage full or disabled: the conversation lasts as long as the page.
    }
  }

  /** The URL of a picture, recording or document of the conversation (the token goes in the query, for <img>). */
  mediaUrl(id: string, token: string): string {
    return `${this.gateway}/v1/media/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
  }

  send(body: SendBody): Promise<{ seq: number; status: string; duplicate: boolean }> {
    return this.#authorized('/v1/messages', JSON.stringify(body), 'application/json');
  }

  upload(file: Blob, name: string): Promise<Upload> {
    return this.#authorized(`/v1/uploads?name=${encodeURIComponent(name)}`, file, file.type || 'application/octet-stream');
  }

  transfer(clientMessageId: string): Promise<unknown> {
    return this.#authorized('/v1/transfer', JSON.stringify({ clientMessageId }), 'application/json');
  }

  typing(): Promise<unknown> {
    return this.#authorized('/v1/typing', undefined, undefined);
  }

  read(seq: number): Promise<unknown> {
    return this.#authorized('/v1/read', JSON.stringify({ seq }), 'application/json');
  }

  /** A POST with the customer token; a 401 gets one more try with a fresh token. */
  async #authorized<T>(path: string, body: BodyInit | undefined, type: string | undefined): Promise<T> {
    const token = await this.token();
    try {
      return await this.#post<T>(path, body, token, type);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 401) throw error;
      this.refused(token);
      return this.#post<T>(path, body, await this.token(), type);
    }
  }

  async #post<T>(path: string, body: BodyInit | undefined, token: string | undefined, type?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (type) headers['content-type'] = type;
    const res = await fetch(this.gateway + path, { method: 'POST', headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const desc = (parsed as { resultDesc?: unknown } | undefined)?.resultDesc;
      throw new HttpError(res.status, typeof desc === 'string' ? desc : `HTTP ${res.status}`);
    }
    return parsed as T;
  }
}

/** A clientMessageId: unique, and within the uplink's pattern (^[A-Za-z0-9._:-]{1,64}$). */
export function newClientMessageId(): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `w-${random}`;
}
