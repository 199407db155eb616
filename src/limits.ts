// Limits that the configuration and the parts share, named once here on the ground floor (this module imports
// nothing, so config.ts can use it without pointing up at the parts).

/** Ids and names in a DownLinkMsg: AICC's own limits are 24–32 characters; 128 leaves room without inviting abuse. */
export const MAX_ID_LENGTH = 128;
/**
 * The longest customer id AICC's customer-side APIs take: applyToken's `userId` 1–32, but send's `from`,
 * doLeaveMessage's `callId`, saveSatisfaction's and queryHistoryChatMessage's `userId` 1–24 (docs/aicc-tenant.md).
 * A customer the gateway sends for with a longer id would have every message refused.
 */
export const AICC_CUSTOMER_ID_MAX_LENGTH = 24;
/** Longest `content` or `simQuestions` of a DownLinkMsg, and the ceiling of MESSAGE_MAX_CHARS. */
export const MAX_CONTENT_LENGTH = 65_536;

/** Longest media id (an AICC resource id, an upload's objectKey) GET /v1/media/:id accepts, decoded. */
export const MEDIA_ID_MAX_LENGTH = 512;
/** How long a signed media URL (GET /v1/media/:id/link) opens its one file: long enough to load a page's
 *  pictures and play a recording, short enough that a URL found in a log is of no use. */
export const MEDIA_URL_TTL_SECONDS = 600;
/** Fastify's bound on a path parameter, which it measures still percent-encoded: room for a long encoded media id. */
export const PATH_PARAM_MAX_LENGTH = 2 * MEDIA_ID_MAX_LENGTH;

/** The windows the rate-limit settings count in: PUSH_RATE_LIMIT and CLIENT_RATE_LIMIT per second,
 *  TOKEN_RATE_LIMIT and VISITOR_RATE_LIMIT per minute. */
export const RATE_WINDOW_MS = { push: 1000, client: 1000, token: 60_000, visitor: 60_000 } as const;
/** Suggestion lookups (GET /v1/suggestions) per customer: the widget asks at most 4 a second while its customer
 *  types (a 250 ms pause); 20 in 5 s leaves room for two tabs and stops a loop from flooding AICC. */
export const SUGGESTIONS_PER_CUSTOMER = { limit: 20, windowMs: 5000 } as const;
/** Ratings of one robot answer per customer: the first vote and a few changes of mind, not a loop against AICC. */
export const RATINGS_PER_ANSWER = { limit: 5, windowMs: 3_600_000 } as const;
/** Messages a customer may leave (doLeaveMessage) an hour: each one becomes work for an agent. */
export const LEFT_MESSAGES_PER_CUSTOMER = { limit: 3, windowMs: 3_600_000 } as const;
