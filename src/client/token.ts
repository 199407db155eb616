// The customer token the client uses, and when to ask `getToken` for another: when there is none, when the
// gateway refused it, or when it is a JWT about to expire. Concurrent callers share one `getToken` call.

import { GatewayClientError } from './types.js';

/** The `exp` of a JWT, in ms; undefined when the token is not a JWT or has no numeric `exp`. */
export function jwtExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class TokenSource {
  #token: string | undefined;
  #refused = false;
  #refreshing: Promise<string> | undefined;
  readonly #getToken: (() => Promise<string>) | undefined;
  readonly #marginMs: number;

  constructor(token: string | undefined, getToken: (() => Promise<string>) | undefined, marginMs: number) {
    this.#token = token;
    this.#getToken = getToken;
    this.#marginMs = marginMs;
  }

  get canRefresh(): boolean {
    return this.#getToken !== undefined;
  }

  /** The token to use now; asks `getToken` first when there is none, it was refused, or it expires soon. */
  async fresh(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && !(this.#getToken && (this.#refused || this.#expiresSoon(token)))) return token;
    return this.#refresh();
  }

  /** The gateway refused `token`: the next `fresh()` asks for another (unless one came since). */
  refused(token: string): void {
    if (token === this.#token) this.#refused = true;
  }

  #expiresSoon(token: string): boolean {
    const expiresAt = jwtExpiresAt(token);
    return expiresAt !== undefined && expiresAt - Date.now() < this.#marginMs;
  }

  #refresh(): Promise<string> {
    const getToken = this.#getToken;
    if (!getToken) return Promise.reject(new GatewayClientError('TOKEN_REFUSED', 'no token, and no getToken to obtain one'));
    if (this.#refreshing) return this.#refreshing;
    const refreshing = this.#ask(getToken);
    this.#refreshing = refreshing;
    const done = () => {
      if (this.#refreshing === refreshing) this.#refreshing = undefined;
    };
    refreshing.then(done, done);
    return refreshing;
  }

  async #ask(getToken: () => Promise<string>): Promise<string> {
    try {
      const token = await getToken();
      if (typeof token !== 'string' || token === '') throw new TypeError(`getToken gave ${typeof token}, not a token`);
      this.#token = token;
      this.#refused = false;
      return token;
    } catch (error) {
      throw new GatewayClientError('TOKEN_REFRESH_FAILED', `getToken failed: ${describe(error)}`, { cause: error });
    }
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
