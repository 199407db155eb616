// POST /apigovernance/api/oauth/tokenByAkSk: API Fabric's token endpoint, played by the gateway so that AICC
// (or anything pushing on its behalf) can obtain the AccessToken that pushMsg requires (docs/aicc.md §4).

import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccessTokens } from '../aicc/accessTokens.js';
import { AICC_PATHS } from '../aicc/api.js';
import { GatewayError } from '../errors.js';

const DEFAULT_TTL_SECONDS = 600;
const TOKEN_BODY_LIMIT = 16 * 1024;

const TokenRequest = Type.Object({
  app_key: Type.String({ minLength: 1, maxLength: 256 }),
  app_secret: Type.String({ minLength: 1, maxLength: 1024 }),
});

export interface TokenRouteOptions {
  tokens: AccessTokens;
  ttlMaxSeconds: number;
}

export const tokenRoute: FastifyPluginAsync<TokenRouteOptions> = async (app, { tokens, ttlMaxSeconds }) => {
  // The credentials are in the body, so it is read before anything is known of the caller: a few KB suffice.
  const route = { schema: { body: TokenRequest }, bodyLimit: TOKEN_BODY_LIMIT };
  app.withTypeProvider<TypeBoxTypeProvider>().post(AICC_PATHS.tokenByAkSk, route, async (request) => {
    const ttl = requestedTtl(request.headers['x-token-expire'], ttlMaxSeconds);
    const issued = await tokens.issue(request.body.app_key, request.body.app_secret, ttl);
    request.log.info({ appKey: issued.AppKey, ttl }, 'access token issued');
    return issued;
  });
};

/** X-Token-Expire: whole seconds, default 600, capped by TOKEN_TTL_MAX (AICC's own cap is 3600). */
function requestedTtl(header: string | string[] | undefined, max: number): number {
  if (header === undefined) return Math.min(DEFAULT_TTL_SECONDS, max);
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\s*\d{1,9}\s*$/.test(value) || Number(value) < 1) {
    throw new GatewayError('INVALID_PARAMETER', 'X-Token-Expire must be a whole number of seconds, at least 1');
  }
  return Math.min(Number(value), max);
}
