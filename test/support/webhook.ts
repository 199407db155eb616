// Signed webhook pushes (the gateway's auth-v2 scheme) for tests: a body signed with the test push key, at a
// time of the test's choosing (an old one is how a captured request is replayed).

import { PUSH_PATHS } from '../../src/aicc/api.js';
import { signAuthV2 } from '../../src/aicc/authV2.js';
import { PUSH_KEY } from './fixtures.js';
import { PUSH_ACCESS_KEY, type Client, type HttpAnswer } from './gateway.js';

export function webhookHeaders(raw: string, options: { pushKey?: string; timestampMs?: number } = {}): Record<string, string> {
  const headers = { 'content-type': 'application/json' };
  const authorization = signAuthV2({
    accessKey: PUSH_ACCESS_KEY, pushKey: options.pushKey ?? PUSH_KEY, method: 'POST', path: PUSH_PATHS.webhook, headers,
    signedHeaders: ['content-type'], body: raw, timestampMs: options.timestampMs ?? Date.now(),
  });
  return { ...headers, authorization };
}

/** POSTs `body` to the webhook, signed (now unless `timestampMs` says otherwise). */
export function signWebhook(client: Client, body: unknown, options: { timestampMs?: number; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const raw = JSON.stringify(body);
  return client.request('POST', PUSH_PATHS.webhook, raw, { ...webhookHeaders(raw, options), ...options.headers });
}
