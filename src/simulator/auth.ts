// The simulator's two kinds of credentials: API Fabric's AccessTokens (tokenByAkSk, checked on every call with
// x-app-key) and the per-customer ccmessaging-token (applyToken), which AICC replaces during a session by
// returning a newer one in a response header (docs/aicc.md §4 and §5).

import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../secrets/compare.js';
import type { IssuedTokenAnswer } from '../aicc/api.js';

/** API Fabric's AccessTokens: opaque, kept in memory, valid for one app key until they expire. */
export class AccessTokenStore {
  private readonly tokens = new Map<string, { appKey: string; expiresAtMs: number }>();

  constructor(
    private readonly appKey: string,
    private readonly appSecret: string,
    private readonly now: () => number,
  ) {}

  /** Undefined when the credentials are wrong. */
  issue(appKey: string, appSecret: string, ttlSeconds: number): IssuedTokenAnswer | undefined {
    if (!sameText(appKey, this.appKey) || !sameText(appSecret, this.appSecret)) return undefined;
    this.sweep();
    const token = randomBytes(24).toString('base64url');
    const nowMs = this.now();
    this.tokens.set(token, { appKey, expiresAtMs: nowMs + ttlSeconds * 1000 });
    return {
      AccessToken: token,
      ApplyType: 'Bearer',
      CreateTime: String(Math.floor(nowMs / 1000)),
      Expires: String(ttlSeconds),
      Scope: 'default',
      AppKey: appKey,
      UserID: 'Anonymous',
    };
  }

  /** True when the token exists, has not expired and was issued to `appKey`. */
  verify(token: string, appKey: string): boolean {
    const entry = this.tokens.get(token);
    if (!entry) return false;
    if (entry.expiresAtMs <= this.now()) {
      this.tokens.delete(token);
      return false;
    }
    return entry.appKey === appKey;
  }

  private sweep(): void {
    const nowMs = this.now();
    for (const [token, entry] of this.tokens) if (entry.expiresAtMs <= nowMs) this.tokens.delete(token);
  }
}

/**
 * ccmessaging-tokens, one set per customer: the newest is accepted until it expires (one hour, cec_07_0103);
 * the one before it only for `graceMs` after it was replaced (so calls already under way with it do not fail);
 * older ones never.
 */
export class CustomerTokenStore {
  private readonly owners = new Map<string, string>();
  private readonly users = new Map<string, { current: string; currentUntilMs: number; previous?: string; previousUntilMs: number }>();

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number,
    private readonly ttlMs: number = 3600_000,
  ) {}

  /** A new current token for the user (applyToken, or a rotation); the current one moves into its grace. */
  issue(userId: string): string {
    const token = randomBytes(24).toString('base64url');
    const old = this.users.get(userId);
    if (old?.previous) this.owners.delete(old.previous);
    this.users.set(userId, {
      current: token,
      currentUntilMs: this.now() + this.ttlMs,
      ...(old ? { previous: old.current } : {}),
      previousUntilMs: this.now() + this.graceMs,
    });
    this.owners.set(token, userId);
    return token;
  }

  /** Every token expires now (as if an hour had passed): the next per-customer call answers 401. */
  expireAll(): void {
    for (const set of this.users.values()) {
      set.currentUntilMs = 0;
      set.previousUntilMs = 0;
    }
  }

  /** The user the token belongs to, or undefined when it is unknown or replaced (beyond its grace). */
  userOf(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const userId = this.owners.get(token);
    if (userId === undefined) return undefined;
    const set = this.users.get(userId)!;
    if (set.current === token) return this.now() < set.currentUntilMs ? userId : undefined;
    if (set.previous === token && this.now() <= set.previousUntilMs) return userId;
    return undefined;
  }
}

/** Constant time whatever the lengths (the gateway's own comparison). */
const sameText = constantTimeEqual;
