// Leaving a message after hours asks for what AICC's doLeaveMessage takes (docs/aicc.md §5: the caller's number is
// required), and AICC's refusal of a bad parameter (its resultCode 2 or 3) is answered 400 naming what to change,
// not 502, which would tell the customer to try the same again later.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AiccError } from '../../src/aicc/resultCodes.js';
import { GatewayError } from '../../src/errors.js';
import { upstream } from '../../src/uplink/failures.js';
import { customer, startRig } from '../support/rig.js';

describe('leaving a message', () => {
  it('needs a phone number to call back on, refused by name before AICC is asked', async () => {
    const rig = await startRig({ push: 'pushMsg', scenario: 'after-hours' });
    try {
      const { http, client } = await customer(rig, 'leave-1');
      const left = rig.sim.leftMessages.length;
      for (const body of [{ message: 'Call me' }, { message: 'Call me', phone: '' }, { message: 'Call me', phone: 'tomorrow' }]) {
        const answer = await http('POST', '/v1/leave-message', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.code, 'INVALID_PARAMETER');
        assert.match(answer.body.resultDesc, /phone/);
      }
      assert.equal(rig.sim.leftMessages.length, left, 'AICC was not asked');
      assert.equal((await http('POST', '/v1/leave-message', { message: 'Call me', phone: '+86 138-0000-0000' })).status, 200);
      assert.deepEqual([rig.sim.leftMessages.at(-1)!.caller, rig.sim.leftMessages.at(-1)!.leaveMessage], ['+86 138-0000-0000', 'Call me']);
      client.close();
    } finally {
      await rig.close();
    }
  });

  it("answers AICC's bad-parameter refusal (doLeaveMessage 2 or 3) 400 with AICC's words, not 502", async () => {
    for (const resultCode of ['2', '3']) {
      const refused = await upstream(() => Promise.reject(new AiccError('PARAMETER', 'the leaveMessageParams is error', resultCode))).catch((e: unknown) => e);
      assert.ok(refused instanceof GatewayError);
      assert.deepEqual([refused.code, refused.statusCode], ['INVALID_PARAMETER', 400]);
      assert.match(refused.message, /bad parameter \(the leaveMessageParams is error\)/);
    }
    const unreachable = await upstream(() => Promise.reject(new AiccError('UNREACHABLE', 'connect ECONNREFUSED'))).catch((e: unknown) => e);
    assert.equal((unreachable as GatewayError).code, 'UPSTREAM_FAILED', 'a failure worth retrying stays 502');
  });
});
