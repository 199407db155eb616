// A customer's file goes up as AICC's comma-separated FILE content, "fileName,fileSize,fileId,fileType". A name
// holding commas must not let a customer name another customer's object, and the size and type AICC is told are
// those of the upload the gateway received, not the client's word. Against the simulator, which refuses a FILE
// content of other than four fields, as Huawei documents it (cec_07_0105).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkSendRequest } from '../../src/simulator/validate.js';
import { customer, startRig, statusOf, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

async function upload(rig: Rig, token: string, bytes: string, name: string) {
  const res = await fetch(`${rig.gw.url}/v1/uploads?name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: bytes,
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { objectKey: string; mediaType: string; fileType: string; size: number; fileName: string };
}

describe('FILE content sent to AICC', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  it('refuses a file name with commas: no FILE naming another customer\'s object reaches AICC', async () => {
    const victim = await customer(rig, 'file-victim');
    const theirs = await upload(rig, victim.token, 'private notes', 'notes.txt');
    const attacker = await customer(rig, 'file-attacker');
    const mine = await upload(rig, attacker.token, 'hello world', 'a.txt');
    const res = await attacker.http('POST', '/v1/messages', {
      clientMessageId: 'inject-1', kind: 'file', ...mine, fileName: `a.txt,11,${theirs.objectKey},txt`,
    });
    assert.equal(res.status, 400);
    assert.match(res.body.resultDesc, /^fileName: must hold no comma/);
    // A control character in the name is refused as well.
    const frame = await attacker.http('POST', '/v1/messages', {
      clientMessageId: 'inject-2', kind: 'file', ...mine, fileName: 'a.txt\n',
    });
    assert.equal(frame.status, 400);
    assert.ok(!rig.sim.sends.some((s) => String(s.request.content).includes(theirs.objectKey)));
    victim.client.close();
    attacker.client.close();
  });

  it('tells AICC the size, type and kind of the upload, whatever the client claims', async () => {
    const { http, token, heard, client } = await customer(rig, 'file-liar');
    const mine = await upload(rig, token, 'eleven byte', 'report.txt');
    assert.equal(mine.size, 11);
    const sent = await http('POST', '/v1/messages', {
      clientMessageId: 'lie-1', kind: 'file', objectKey: mine.objectKey, fileName: 'report.txt', size: 999_999, fileType: 'exe', mediaType: 'IMAGE',
    });
    assert.equal(sent.status, 202);
    await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'the file is sent');
    const file = rig.sim.sends.find((s) => s.request.messageCode === 'lie-1');
    assert.deepEqual([file?.request.mediaType, file?.request.content], ['FILE', `report.txt,11,${mine.objectKey},txt`]);
    const stored = heard.messages.find((m) => m.message.messageCode === 'lie-1')!;
    assert.deepEqual([stored.message.fileSize, stored.message.fileType, stored.message.mediaType], [11, 'txt', 'DOCUMENT']);
    client.close();
  });

  it('makes an upload\'s name safe to send: commas and control characters become "_"', async () => {
    const { token, client } = await customer(rig, 'file-named');
    const named = await upload(rig, token, 'x', 'a,b\u0007.txt');
    assert.equal(named.fileName, 'a_b_.txt');
    client.close();
  });
});

describe('the simulator reads FILE content as Huawei documents it', () => {
  const ctx = { userId: 'u1', channelId: 'c1', isKnownFile: () => true };
  const file = (content: string) => checkSendRequest({ channel: 'WEB', controlType: 'CHAT', mediaType: 'FILE', content, from: 'u1', to: 'c1', sourceType: 'CUSTOMER' }, ctx);

  it('takes four fields and refuses any other number', () => {
    assert.ok('request' in file('a.txt,11,key-1,txt'));
    for (const content of ['a.txt,11,key-1,txt,key-2,txt', 'a.txt,11,key-1', 'a.txt,11,key-1,txt,']) {
      const checked = file(content);
      assert.ok('error' in checked && /four|fileName,fileSize,fileId,fileType/.test(checked.error), content);
    }
  });
});
