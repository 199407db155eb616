// Route schemas are compiled on their route's first request (src/lazyValidation.ts), so a schema Ajv cannot
// compile would otherwise show only as a 500 the first time someone calls that route. This compiles every schema
// of a gateway with every part switched on (the AICC side included) with Fastify's own Ajv, at once.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { compileOnFirstUse, compilePendingSchemas } from '../../src/lazyValidation.js';
import { startGateway, type InProcessGateway } from '../support/gateway.js';

describe('route schemas compiled on first use', () => {
  let gateway: InProcessGateway | undefined;
  after(() => gateway?.close());

  it('every schema of every route compiles', async () => {
    compilePendingSchemas();
    gateway = await startGateway({
      // Every part registered: the customer's side to AICC (never called here), metrics behind a token.
      AICC_BASE_URL: 'http://127.0.0.1:9',
      AICC_APP_KEY: 'gateway-app',
      AICC_APP_SECRET: 'gateway-secret',
      AICC_CHANNEL_ID: 'channel-1',
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
    const compiled = compilePendingSchemas();
    // The token, pushMsg and the webhook, the uplink's and the robot's routes: 12 today; far fewer would mean a
    // part of the gateway was not registered.
    assert.ok(compiled >= 10, `only ${compiled} schemas were handed over to compile`);
    assert.equal(compilePendingSchemas(), 0, 'a compiled schema stays compiled');
  });

  it('a schema the compiler refuses is found by compilePendingSchemas, not only by its first request', () => {
    const ajv = fakeAjv();
    compileOnFirstUse(ajv);
    ajv.compile({ required: 'a' });
    assert.equal(ajv.compiled, 0, 'nothing compiled before it is asked for');
    assert.throws(() => compilePendingSchemas(), /cannot compile/);
  });

  it('the deferred validator is compiled once, validates as the compiled one does and carries its errors', () => {
    const ajv = fakeAjv();
    compileOnFirstUse(ajv);
    const validate = ajv.compile({ required: ['a'] }) as ((data: unknown) => boolean) & { errors?: unknown };
    assert.equal(validate({ a: 1 }), true);
    assert.equal(validate.errors, null);
    assert.equal(validate({}), false);
    assert.deepEqual(validate.errors, [{ keyword: 'required', missing: 'a' }]);
    assert.equal(ajv.compiled, 1);
    assert.equal(compilePendingSchemas(), 0);
  });
});

/** An Ajv's compile, small enough to see what is called when: `required` (a list) is the only keyword it knows. */
function fakeAjv() {
  const ajv = {
    compiled: 0,
    compile(schema: unknown) {
      const { required } = schema as { required: unknown };
      if (!Array.isArray(required)) throw new Error('cannot compile: required must be a list');
      ajv.compiled++;
      const validate = (data: unknown) => {
        const missing = required.find((key) => !(key in (data as object)));
        validate.errors = missing === undefined ? null : [{ keyword: 'required', missing }];
        return missing === undefined;
      };
      validate.errors = null as unknown;
      return validate;
    },
  };
  return ajv;
}
