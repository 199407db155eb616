// Media ids that try to leave the cache: path traversal, encodings, NUL bytes, over-long ids, and hostile ids that
// AICC itself pushed. Never a local file, never a 5xx. Prints `# hostile input (media ids): …`.

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { REQUEST_TIMEOUT_MS, tally, now, reportTally } from '../support/hostile.js';

reportTally('media ids');

let run = 0;

/** An AICC that answers downloadFileStream for any id with bytes that name it, and records what was asked. */
async function fakeAicc(): Promise<{ url: string; asked: string[]; server: Server }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/apigovernance/api/oauth/tokenByAkSk')) {
        res.end(JSON.stringify({ AccessToken: 'fake', ApplyType: 'Bearer', CreateTime: String(now()), Expires: '3600' }));
        return;
      }
      if (req.url?.startsWith('/apiaccess/ccmessaging/applyToken')) {
        // A download is made under the customer's own ccmessaging-token, applied for first.
        res.end(JSON.stringify({ token: 'fake-ccmessaging-token' }));
        return;
      }
      if (req.url?.startsWith('/apiaccess/ccmessaging/downloadFileStream')) {
        const { fileId } = JSON.parse(body) as { fileId: string };
        asked.push(fileId);
        res.end(JSON.stringify({ resultCode: '0', resultDesc: 'ok', fileStream: Buffer.from(`AICC:${fileId}`).toString('base64') }));
        return;
      }
      res.end(JSON.stringify({ resultCode: '0', resultDesc: 'ok' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, asked, server };
}

/** A GET whose path is sent exactly as written (fetch would resolve `../` before sending). */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  tally.tried++;
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode! >= 500) tally.serverErrors++;
        else if (res.statusCode! >= 400) tally.refused++;
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the gateway hung on ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('media ids that try to leave the cache', () => {
  let media: InProcessGateway;
  let aicc: Awaited<ReturnType<typeof fakeAicc>>;
  const SENTINEL = `SENTINEL-${process.pid}-${Date.now()}`;

  before(async () => {
    aicc = await fakeAicc();
    media = await startGateway({
      AICC_BASE_URL: aicc.url, AICC_APP_KEY: 'gw', AICC_APP_SECRET: 'gw-secret', AICC_CHANNEL_ID: '202105284494222653',
      AICC_TIMEOUT_MS: '5000',
    });
    writeFileSync(join(media.dataDir, 'secret.txt'), SENTINEL);
  });
  after(async () => {
    await media.close();
    await new Promise((resolve) => aicc.server.close(resolve));
  });

  it('ids not in the conversation: 404 or 400, never 200 or 5xx, never a local file', async () => {
    const token = await customerToken('media-owner');
    const secretPath = join(media.dataDir, 'secret.txt');
    const ids = [
      '../../token-secret', '..%2f..%2ftoken-secret', '..%2F..%2Fsecret.txt', '%2e%2e%2f%2e%2e%2fsecret.txt',
      '%2e%2e%252f%2e%2e%252fsecret.txt', '..%5c..%5csecret.txt', '%2fetc%2fpasswd', encodeURIComponent(secretPath),
      `${encodeURIComponent(secretPath)}%00.png`, 'secret.txt%00', '%00', '%c0%ae%c0%ae%2fsecret.txt', '%e0%80%ae%e0%80%ae%2f',
      '..', '.', '%2e', '%2e%2e', 'media%2f..%2f..%2fsecret.txt', encodeURIComponent('\\\\?\\C:\\Windows\\win.ini'),
      'a'.repeat(513), 'a'.repeat(8000), '%ff%fe', '%', '%zz',
    ];
    for (const id of ids) {
      for (const [path, headers] of [
        [`/v1/media/${id}/link`, { authorization: `Bearer ${token}` }],
        [`/v1/media/${id}`, { authorization: `Bearer ${token}` }],
      ] as const) {
        const answer = await rawGet(media.url, path, headers);
        assert.ok([400, 404, 414, 431].includes(answer.status), `${id}: ${answer.status} ${answer.body.slice(0, 200)}`);
        assert.ok(!answer.body.includes(SENTINEL) && !answer.body.includes('root:'), `${id} served a local file`);
      }
    }
    assert.deepEqual(aicc.asked, [], 'nothing was fetched for ids outside the conversation');
  });

  it('hostile ids that AICC itself pushed: fetched from AICC by id, cached under a hash, never a local file', async () => {
    const owner = `media.${++run}`;
    const secretPath = join(media.dataDir, 'secret.txt');
    const ids = ['../../token-secret', '../secret.txt', secretPath, 'a\u0000b.png', '..\\..\\secret.txt', '%2e%2e%2fsecret.txt', `${'../'.repeat(8)}etc/passwd`];
    const pushed = await media.push(pushBody(ids.map((content, i) => downLinkMsg({ to: owner, mediaType: i % 2 ? 'DOCUMENT' : 'IMAGE', content }))));
    assert.equal(pushed.status, 200);
    const before = readdirSync(media.dataDir).sort();
    const token = await customerToken(owner);
    for (const id of ids) {
      const res = await fetch(`${media.url}/v1/media/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      tally.tried++;
      assert.equal(res.status, 200, id);
      assert.equal(await res.text(), `AICC:${id}`, `${JSON.stringify(id)} is AICC's file, not a local one`);
    }
    assert.deepEqual(aicc.asked, ids);
    assert.ok(readdirSync(join(media.dataDir, 'media')).every((name) => /^[0-9a-f]{64}\.(bin|json)$/.test(name)));
    assert.deepEqual(readdirSync(media.dataDir).sort(), before, 'no file appeared beside the cache');
    assert.equal(readFileSync(secretPath, 'utf8'), SENTINEL);
  });
});
