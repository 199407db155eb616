// Media belongs to whoever it was given to: what AICC pushed to a customer, and what the customer uploaded.
// Two customers on a real gateway wired to the AICC simulator: Alice tries to make Bob's files hers by writing
// their ids into her own log (a `kind: "file"` send), over HTTP and over the WebSocket, then to download them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makePng } from '../src/simulator/files.js';
import { downLinkMsg, pushBody } from './support/fixtures.js';
import { customerToken } from './support/gateway.js';
import { startRig, type Rig } from './support/rig.js';
import { connectWs, waitFor } from './support/streams.js';

let rig: Rig;
before(async () => {
  rig = await startRig({ push: 'pushMsg' });
});
after(() => rig.close());

async function upload(token: string, png: Buffer) {
  const res = await fetch(`${rig.gw.url}/v1/uploads?name=mine.png`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array(png),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { objectKey: string; mediaType: string; fileType: string; fileName: string; size: number };
}

const media = (id: string, token: string) =>
  fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` } });

describe('media ownership', () => {
  it('an upload is its uploader\'s: another customer can neither send it nor download it, even cached', async () => {
    const [alice, bob] = [await customerToken('own-alice'), await customerToken('own-bob')];
    const png = makePng(8, 8, 3);
    const bobs = await upload(bob, png);
    // Bob's file is in the gateway's cache now (his upload put it there).
    const his = await media(bobs.objectKey, bob);
    assert.equal(his.status, 200);
    assert.deepEqual(Buffer.from(await his.arrayBuffer()), png);

    const claim = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'claim-1', kind: 'file', ...bobs }, {
      authorization: `Bearer ${alice}`,
    });
    assert.equal(claim.status, 400, JSON.stringify(claim.body));
    assert.match(claim.body.resultDesc, /objectKey/);
    const ws = await connectWs(rig.gw.url, alice);
    ws.socket.send(JSON.stringify({ type: 'send', clientMessageId: 'claim-2', kind: 'file', ...bobs }));
    await waitFor(() => ws.frames.some((f) => f.type === 'error' && f.clientMessageId === 'claim-2'), 'the frame is refused');
    ws.close();
    assert.equal((await media(bobs.objectKey, alice)).status, 404);
    const { lastSeq } = await rig.gw.gateway.engine.conversation('own-alice');
    assert.equal(lastSeq, 0, 'nothing of the claims was stored');

    // Alice's own upload is hers to send and to see.
    const hers = await upload(alice, makePng(8, 8, 4));
    const sent = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'mine-1', kind: 'file', ...hers }, {
      authorization: `Bearer ${alice}`,
    });
    assert.equal(sent.status, 202);
    assert.equal((await media(hers.objectKey, alice)).status, 200);
    assert.equal((await media(hers.objectKey, bob)).status, 404);
  });

  it('a media id AICC pushed is its receiver\'s only, whoever else names it', async () => {
    const [alice, bob, carol] = [await customerToken('push-alice'), await customerToken('push-bob'), await customerToken('push-carol')];
    // A file AICC holds (and the gateway has cached, from Carol's upload), which AICC then sends to Bob.
    const png = makePng(8, 8, 5);
    const { objectKey } = await upload(carol, png);
    const pushed = await rig.gw.push(pushBody([downLinkMsg({ to: 'push-bob', mediaType: 'IMAGE', content: objectKey })]));
    assert.equal(pushed.status, 200);
    const his = await media(objectKey, bob);
    assert.equal(his.status, 200);
    assert.deepEqual(Buffer.from(await his.arrayBuffer()), png);
    // AICC pushing the id to Bob gives Bob the right to see it, not to send it as his own upload.
    const resend = await rig.gw.request('POST', '/v1/messages', {
      clientMessageId: 'fwd-1', kind: 'file', objectKey, mediaType: 'IMAGE', fileName: 'x.png', size: png.length, fileType: 'png',
    }, { authorization: `Bearer ${bob}` });
    assert.equal(resend.status, 400);
    // Alice names it in a send (refused) and asks for it: no.
    const claim = await rig.gw.request('POST', '/v1/messages', {
      clientMessageId: 'claim-3', kind: 'file', objectKey, mediaType: 'IMAGE', fileName: 'x.png', size: png.length, fileType: 'png',
    }, { authorization: `Bearer ${alice}` });
    assert.equal(claim.status, 400);
    assert.equal((await media(objectKey, alice)).status, 404);
    assert.equal((await media(objectKey, carol)).status, 200, 'the uploader keeps hers');
  });
});
