// The gateway's URLs, and its two JSON endpoints for customers (GET /v1/messages, GET /v1/conversation), called
// with `Authorization: Bearer`. A 401 gets one more try with a fresh token when `getToken` can give one.

import { describe, type TokenSource } from './token.js';
import { GatewayClientError, type FetchFunction } from './types.js';

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

export async function getJson<T>(fetchFn: FetchFunction, url: URL, tokens: TokenSource): Promise<T> {
  let token = await tokens.fresh();
  let res = await request(fetchFn, url, token);
  if (res.status === 401 && tokens.canRefresh) {
    await res.body?.cancel().catch(() => undefined);
    tokens.refused(token);
    token = await tokens.fresh();
    res = await request(fetchFn, url, token);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const code = res.status === 401 ? 'TOKEN_REFUSED' : 'HTTP';
    throw new GatewayClientError(code, `GET ${url.pathname} answered ${res.status}: ${resultDesc(text)}`, { status: res.status });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new GatewayClientError('HTTP', `GET ${url.pathname} answered ${res.status} with a body that is not JSON`, {
      status: res.status,
      cause: error,
    });
  }
}

async function request(fetchFn: FetchFunction, url: URL, token: string): Promise<Response> {
  try {
    return await fetchFn(url.href, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new GatewayClientError('HTTP', `GET ${url.pathname} failed: ${describe(error)}`, { cause: error });
  }
}

/** The gateway's `resultDesc` when the body has one, else the start of the body. */
function resultDesc(text: string): string {
  try {
    const desc = (JSON.parse(text) as { resultDesc?: unknown }).resultDesc;
    if (typeof desc === 'string') return desc;
  } catch {
    // Not JSON: show what it is.
  }
  return text.slice(0, 200);
}
