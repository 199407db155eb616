// The gateway's URLs, and its JSON endpoints for customers (history, conversation, and sending: POST /v1/…),
// called with `Authorization: Bearer`. A 401 gets one more try with a fresh token when `getToken` can give one.

import { describe, type TokenSource } from './token.js';
import { GatewayClientError, type FetchFunction, type GatewayErrorCode } from './types.js';

export type Query = Record<string, string | number | undefined>;

/** `path` under the gateway's base URL (which may have a path prefix), http(s) or ws(s) as asked. */
export function endpoint(base: string, path: string, query: Query = {}, scheme: 'http' | 'ws' = 'http'): URL {
  const url = new URL(base);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  url.protocol = `${scheme}${secure ? 's' : ''}:`;
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = '';
  url.hash = '';
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/** A request body: JSON (an object) or raw bytes with their content type (uploads). */
export type Body = { json: unknown } | { bytes: Blob | ArrayBuffer | Uint8Array; type: string };

export async function getJson<T>(fetchFn: FetchFunction, url: URL, tokens: TokenSource, body?: Body): Promise<T> {
  const method = body ? 'POST' : 'GET';
  let token = await tokens.fresh();
  let res = await request(fetchFn, url, token, body);
  if (res.status === 401 && tokens.canRefresh) {
    await res.body?.cancel().catch(() => undefined);
    tokens.refused(token);
    token = await tokens.fresh();
    res = await request(fetchFn, url, token, body);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    throw refusal(`${method} ${url.pathname}`, res.status, text);
  }
  if (res.status === 204 || text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new GatewayClientError('HTTP', `GET ${url.pathname} answered ${res.status} with a body that is not JSON`, {
      status: res.status,
      cause: error,
    });
  }
}

async function request(fetchFn: FetchFunction, url: URL, token: string, body?: Body): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
  const init: RequestInit = { headers };
  if (body) {
    init.method = 'POST';
    if ('json' in body) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body.json);
    } else {
      headers['content-type'] = body.type;
      init.body = body.bytes as BodyInit;
    }
  }
  try {
    return await fetchFn(url.href, init);
  } catch (error) {
    throw new GatewayClientError('HTTP', `${init.method ?? 'GET'} ${url.pathname} failed: ${describe(error)}`, { cause: error });
  }
}

/** The error for a refused call: the gateway's words (`resultDesc`) and its error by name (`code`), when the body
 *  has them (a proxy's own error page has neither: then the start of the body). */
export function refusal(what: string, status: number, text: string): GatewayClientError {
  let answer: { resultDesc?: unknown; code?: unknown } = {};
  try {
    answer = (JSON.parse(text) as typeof answer | null) ?? {};
  } catch {
    // Not JSON: show what it is.
  }
  const desc = typeof answer.resultDesc === 'string' ? answer.resultDesc : text.slice(0, 200);
  const gatewayCode = typeof answer.code === 'string' ? (answer.code as GatewayErrorCode) : undefined;
  return new GatewayClientError(status === 401 ? 'TOKEN_REFUSED' : 'HTTP', `${what} answered ${status}: ${desc}`, {
    status,
    ...(gatewayCode ? { gatewayCode } : {}),
  });
}
