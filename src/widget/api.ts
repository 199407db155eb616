// The widget's one way to the gateway, as chatwoot's widget/api/ is for its widget: the rest of the widget never
// fetches. The conversation goes through one SDK client (history, the stream, send, upload, transfer, typing,
// read); the two visitor calls, which the SDK has no business making, are here too.

import { endpoint, refusal } from '../client/http.js';
import { GatewayClient, GatewayClientError } from '../client/index.js';

/** An anonymous visitor's identity, as POST /v1/visitors and /v1/visitors/refresh answer it. */
export interface Visitor {
  visitorId: string;
  token: string;
  expiresAt: number;
}

/** The SDK client of the conversation: not connected yet (the widget reads a history page first). */
export function conversationClient(gateway: string, auth: { token: string; getToken?: () => Promise<string> }): GatewayClient {
  return new GatewayClient({ url: gateway, ...auth });
}

/** POST /v1/visitors: a new anonymous visitor, speaking `locale` (the widget's language: AICC's robot answers in it),
 *  named `name` when the pre-chat form asked (what the agent sees). */
export function createVisitor(gateway: string, locale: string, name?: string): Promise<Visitor> {
  return postVisitor(gateway, '/v1/visitors', undefined, name ? { locale, name } : { locale });
}

/** POST /v1/visitors/refresh: the same visitor, with a token that lasts longer. */
export function refreshVisitor(gateway: string, token: string): Promise<Visitor> {
  return postVisitor(gateway, '/v1/visitors/refresh', token);
}

/** POST /v1/visitors is not there: the gateway takes only customers the site signed in (VISITORS=off). */
export function visitorsClosed(error: unknown): boolean {
  return error instanceof GatewayClientError && error.status === 404 && /\/v1\/visitors\b/.test(error.message);
}

async function postVisitor(gateway: string, path: string, token: string | undefined, body?: object): Promise<Visitor> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(endpoint(gateway, path).href, { method: 'POST', headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    throw new GatewayClientError('HTTP', `POST ${path} failed`, { cause: error });
  }
  if (!res.ok) throw refusal(`POST ${path}`, res.status, await res.text().catch(() => ''));
  return (await res.json()) as Visitor;
}
