// Errors by name, end to end: the gateway's answer names its error (`code`), the SDK keeps it
// (GatewayClientError.gatewayCode), and the widget words each by what it is. A 409 is "no agent works now" or "a
// retry changed the message"; a 400 is "too long" or "invalid"; neither reads as a bare "refused".

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayClient, GatewayClientError } from '../../src/client/index.js';
import type { GatewayErrorCode } from '../../src/protocol/index.js';
import { errorText, stringsFor } from '../../src/widget/i18n.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { customer, startRig, type Rig } from '../support/rig.js';

let rig: Rig;
before(async () => {
  rig = await startRig({});
});
after(() => rig.close());

/** What the SDK call was refused with. */
async function refusal(call: Promise<unknown>): Promise<GatewayClientError> {
  const error = await call.then(
    () => assert.fail('the call was accepted'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof GatewayClientError, String(error));
  return error;
}

describe('the SDK keeps the gateway\'s error code', () => {
  it('names a text over its limit TOO_LONG, a changed retry CHANGED_RETRY, a PDF UNSUPPORTED_MEDIA_TYPE', async () => {
    const { client } = await customer(rig, 'error-codes-1');
    try {
      const tooLong = await refusal(client.send({ clientMessageId: 'long-1', kind: 'text', text: 'x'.repeat(1001) }));
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.gatewayCode, 'TOO_LONG');

      await client.send({ clientMessageId: 'retry-1', kind: 'text', text: 'first words' });
      const changed = await refusal(client.send({ clientMessageId: 'retry-1', kind: 'text', text: 'other words' }));
      assert.equal(changed.status, 409);
      assert.equal(changed.gatewayCode, 'CHANGED_RETRY');

      const pdf = await refusal(client.upload(new TextEncoder().encode('%PDF-1.7'), 'application/pdf', 'invoice.pdf'));
      assert.equal(pdf.status, 415);
      assert.equal(pdf.gatewayCode, 'UNSUPPORTED_MEDIA_TYPE');

      const invalid = await refusal(client.send({ clientMessageId: 'bad id with spaces', kind: 'text', text: 'hi' }));
      assert.equal(invalid.gatewayCode, 'INVALID_PARAMETER');
    } finally {
      client.close();
    }
  });

  it('names a gateway without AICC UPLINK_DISABLED', async () => {
    const gw: InProcessGateway = await startGateway();
    try {
      // Not connected: sending is HTTP, no stream needed.
      const client = new GatewayClient({ url: gw.url, token: await customerToken('error-codes-2'), transport: 'sse' });
      const disabled = await refusal(client.send({ clientMessageId: 'm-1', kind: 'text', text: 'hello' }));
      assert.equal(disabled.status, 503);
      assert.equal(disabled.gatewayCode, 'UPLINK_DISABLED');
      client.close();
    } finally {
      await gw.close();
    }
  });
});

describe('the widget words errors by their code', () => {
  const error = (gatewayCode: GatewayErrorCode, status: number) => new GatewayClientError('HTTP', 'refused', { status, gatewayCode });

  for (const lang of ['en', 'zh-CN'] as const) {
    it(`gives agents away, a changed retry, too long and an unsupported file words of their own (${lang})`, () => {
      const t = stringsFor(lang);
      const words = {
        agentsAway: errorText(t, error('AGENTS_UNAVAILABLE', 409)),
        changedRetry: errorText(t, error('CHANGED_RETRY', 409)),
        tooLong: errorText(t, error('TOO_LONG', 400)),
        unsupportedFile: errorText(t, error('UNSUPPORTED_MEDIA_TYPE', 415)),
        invalid: errorText(t, error('INVALID_PARAMETER', 400)),
      };
      assert.equal(new Set(Object.values(words)).size, 5, JSON.stringify(words, null, 1));
      for (const [key, text] of Object.entries(words)) {
        if (key !== 'invalid') assert.equal(text, t.requestFailed[key as keyof typeof t.requestFailed]);
      }
      // An answer without a code (a proxy's own 502 page) is still worded, by its status.
      assert.equal(errorText(t, new GatewayClientError('HTTP', 'bad gateway', { status: 502 })), t.requestFailed.other);
    });
  }
});
