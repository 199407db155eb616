// Where the gateway's own secret lives, and the keys derived from it. The secret is the same on every node
// that must accept each other's tokens: TOKEN_SECRET when set, else one the first node generates and keeps
// (in DATA_DIR for one node, in Redis for several). Each kind of token is signed with its own derived key.

export interface SecretStore {
  /** The gateway's secret: read, or created once and kept, so that it survives restarts. */
  read(): Promise<Uint8Array>;
}

/** One key per kind of token the gateway signs, so that one kind can never pass for the other. */
export interface SigningKeys {
  /** Signs the AccessTokens that tokenByAkSk issues and pushMsg checks. */
  accessTokens: Uint8Array;
  /** Signs anonymous visitors' customer tokens. */
  visitorTokens: Uint8Array;
  /** Signs the short-lived media URLs (GET /v1/media/:id?customer&expires&signature); never a token key. */
  mediaUrls: Uint8Array;
}
