// Every key of one customer carries the customer id as its hash tag ({...}), so all of them live in one slot
// of a Redis Cluster and one Lua script may touch them together. Ids are escaped so that a '}' in an id can
// never end the tag early or make two customers' keys meet.

const tagOf = (customerId: string) => customerId.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const keys = {
  /** Hash: lastSeq (never decreases, survives retention) and state (the conversation state JSON). */
  meta: (customerId: string) => `aicc:{${tagOf(customerId)}}:meta`,
  /** Stream: the ordered log; entry id `<seq>-0`, fields t (storedAt), m (message JSON), s (state JSON, when it changed). */
  log: (customerId: string) => `aicc:{${tagOf(customerId)}}:log`,
  /** String holding the seq a dedupe key was stored under; it expires with the history (HISTORY_TTL). */
  dedupe: (customerId: string, dedupeKey: string) => `aicc:{${tagOf(customerId)}}:d:${dedupeKey}`,
  /** String: the customer's AICC session (JSON, engine/types.ts AiccSessionRecord); expires with the history. */
  aiccSession: (customerId: string) => `aicc:{${tagOf(customerId)}}:aicc-session`,
  /** Hash: media id -> MediaGrant JSON, the media the customer may fetch; expires HISTORY_TTL after the last grant. */
  media: (customerId: string) => `aicc:{${tagOf(customerId)}}:media`,
  /** Pub/sub channel of the customer's new entries and typing. */
  channel: (customerId: string) => `aicc:{${tagOf(customerId)}}:live`,
  /** Sorted set: the customer's open connections on every node (member: a lease id; score: when it lapses). */
  connections: (customerId: string) => `aicc:{${tagOf(customerId)}}:conns`,
  /** Sorted set: a client address's open connections on every node (MAX_CONNECTIONS_PER_ADDRESS), as `connections`. */
  addressConnections: (address: string) => `aicc:conns:{${tagOf(`address:${address}`)}}`,
  /** Hash: a shared rate limit's token bucket for one key (an app key, a client address). */
  limit: (name: string, key: string) => `aicc:limit:{${tagOf(`${name}:${key}`)}}`,
  /** Sorted set: customer id scored by the storedAt of its oldest retained entry; what retention walks. */
  retention: 'aicc:retention',
  /** String: an operator sign-in (/ops cookie), named by a digest of its id; expires with the session. */
  opsSession: (id: string) => `aicc:ops-session:${id}`,
  /** Sorted set: customer id scored by when its AICC session was last written; what retention walks for sessions. */
  sessionRetention: 'aicc:session-retention',
};
