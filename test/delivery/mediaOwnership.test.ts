// Media belongs to whoever it was given to: what AICC pushed to a customer, and what the customer uploaded.
// Two customers on a real gateway wired to the AICC simulator: Alice tries to make Bob's files hers by writing
// their ids into her own log (a `kind: "file"` send), over HTTP and over the WebSocket, then to download them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMediaUrls } from '../../src/delivery/mediaUrls.js';
import { makePng } from '../../src/simulator/files.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken } from '../support/gateway.js';
import { startRig, type Rig } from '../support/rig.js';
import { connectWs, waitFor } from '../support/streams.js';

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

describe('media URLs', () => {
  it('a signed link opens one file for its customer, without a token, with a sandboxing CSP', async () => {
    const bob = await customerToken('link-bob');
    const alice = await customerToken('link-alice');
    const png = makePng(8, 8, 6);
    const first = await upload(bob, png);
    const second = await upload(bob, makePng(8, 8, 7));
    const res = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(first.objectKey)}/link`, { headers: { authorization: `Bearer ${bob}` } });
    assert.equal(res.status, 200);
    const link = (await res.json()) as { url: string; expiresAt: number };
    assert.ok(link.expiresAt > Date.now() && link.expiresAt <= Date.now() + 15 * 60_000, 'minutes, not hours');
    assert.doesNotMatch(link.url, /token/);
    const opened = await fetch(`${rig.gw.url}${link.url}`);
    assert.equal(opened.status, 200);
    assert.deepEqual(Buffer.from(await opened.arrayBuffer()), png);
    assert.equal(opened.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    assert.equal(opened.headers.get('cross-origin-resource-policy'), 'cross-origin'); // ALLOWED_ORIGINS=* here

    // The same signature for another id, for another customer, or altered: refused.
    const url = new URL(link.url, rig.gw.url);
    const other = new URL(url);
    other.pathname = `/v1/media/${encodeURIComponent(second.objectKey)}`;
    const asAlice = new URL(url);
    asAlice.searchParams.set('customer', 'link-alice');
    const altered = new URL(url);
    altered.searchParams.set('signature', `${url.searchParams.get('signature')!.slice(0, -2)}AA`);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    for (const forged of [other, asAlice, altered, later]) {
      const refused = await fetch(forged);
      assert.equal(refused.status, 401, forged.href);
      assert.equal(refused.headers.get('content-security-policy'), "default-src 'none'; sandbox", 'refusals carry it too');
    }
    // A token in the URL is refused outright; in the header it still works.
    const inQuery = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(first.objectKey)}?token=${bob}`);
    assert.equal(inQuery.status, 401);
    assert.match(((await inQuery.json()) as { resultDesc: string }).resultDesc, /link/);
    // No link for media that is not the asker's.
    const stranger = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(first.objectKey)}/link`, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(stranger.status, 404);
  });

  it('expires: a link signed for a moment is refused after it', () => {
    let now = 1_800_000_000_000;
    const urls = createMediaUrls({ key: new Uint8Array(32).fill(7), ttlSeconds: 600, now: () => now });
    const { query, expiresAt } = urls.sign('bob', 'sim/upload/a.png');
    assert.equal(expiresAt, now + 600_000);
    assert.equal(urls.verify(query, 'sim/upload/a.png'), 'bob');
    now += 600_000;
    assert.throws(() => urls.verify(query, 'sim/upload/a.png'), /expired/);
    const otherKey = createMediaUrls({ key: new Uint8Array(32).fill(8), ttlSeconds: 600, now: () => now - 1 });
    assert.throws(() => otherKey.verify(query, 'sim/upload/a.png'), /not valid/);
  });
});
