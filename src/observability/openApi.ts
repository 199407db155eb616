// The OpenAPI 3 document, generated from the routes' TypeBox schemas (@fastify/swagger), served at
// /docs/json, and browsable at /docs.

import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

export const openApi: FastifyPluginAsync = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'aicc-gateway',
        description:
          'Receives Huawei Cloud AICC web-channel pushes (pushMsg, signed webhook), stores them durably and delivers ' +
          'them to customers in real time. The customer stream protocol is in docs/protocol.md.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          accessToken: { type: 'http', scheme: 'bearer', description: 'AccessToken from tokenByAkSk, with x-app-key' },
          customerToken: { type: 'http', scheme: 'bearer', description: 'Customer or visitor JWT' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});
