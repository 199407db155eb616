// Hostile bytes on the pushMsg door: invalid UTF-8, truncated bodies, wrong content types, connections cut off and
// lying Content-Lengths. No crash, no hang, nothing stored. Prints `# hostile input (raw bytes): …`.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import {
  REQUEST_TIMEOUT_MS, PUSH_PATH, auth, gw, tally, send, pushRaw, property, useHostileGateway, reportTally, RUNS,
  text,
} from '../support/hostile.js';

useHostileGateway();
reportTally('raw bytes');

let run = 0;

describe('raw bytes', () => {
  const INVALID_UTF8 = [
    [0xff], [0xfe], [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80],
    [0xed, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3],
  ];

  it('invalid UTF-8 anywhere in a string: 400, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INVALID_UTF8), text(40), fc.nat(), async (bad, content, at) => {
        run++;
        const to = `U.${run}`;
        const raw = Buffer.from(JSON.stringify(pushBody([downLinkMsg({ to, content: `${content}\u0001` })])));
        // Into the content string, at a random place (the \u0001 marker's escape is 6 ASCII bytes long).
        const start = raw.indexOf('\\u0001');
        const contentStart = raw.lastIndexOf('"content":"', start) + 11;
        const where = contentStart + (at % (start - contentStart + 1));
        const body = Buffer.concat([raw.subarray(0, where), Buffer.from(bad), raw.subarray(where)]);
        const answer = await pushRaw(new Uint8Array(body));
        assert.equal(answer.status, 400, answer.text);
        assert.match(answer.body.resultDesc, /not valid UTF-8/);
        assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
      }),
      { ...property, numRuns: Math.min(RUNS, 150) },
    );
  });

  it('every prefix of a valid body (a truncated push): 400, nothing stored; the whole body: 200', async () => {
    const to = `T.${++run}`;
    const raw = JSON.stringify(pushBody([
      downLinkMsg({ to, messageCode: 'trunc-1', content: 'héllo 😀 "quoted" \\ back' }),
      downLinkMsg({ to, controlType: 'READ', mediaType: null, content: 'a,b', isOfflineStatus: 'true' }),
    ]));
    const bytes = Buffer.from(raw);
    const lanes = 8;
    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (let cut = next++; cut < bytes.length; cut = next++) {
        const answer = await pushRaw(new Uint8Array(bytes.subarray(0, cut)));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.equal(answer.status, 400, `prefix of ${cut} bytes: ${answer.text}`);
      }
    }));
    assert.deepEqual([...statuses.entries()], [[400, bytes.length]]);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    assert.equal((await pushRaw(raw)).status, 200);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 2);
  });

  it('a wrong content type: 415 (or 400), never stored as something else', async () => {
    const to = `CT.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'ct' })]));
    for (const type of [
      'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/octet-stream', 'application/jsonx', 'application/json-patch+json', 'json', '', '*/*', 'application/',
      'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON',
    ]) {
      const answer = await send('POST', PUSH_PATH, raw, { ...auth, 'content-type': type });
      assert.ok([200, 400, 415].includes(answer.status), `${type}: ${answer.status} ${answer.text}`);
      if (answer.status === 200) assert.match(type, /^application\/json/i, 'only JSON is read');
      else assert.notEqual(answer.body.resultCode, '0');
    }
    // No content type at all, with a body.
    const bare = await fetch(gw.url + PUSH_PATH, { method: 'POST', headers: auth, body: new Blob([raw]) });
    tally.tried++;
    assert.ok([400, 415].includes(bare.status), String(bare.status));
    tally.refused++;
  });

  it('a body cut off by the connection, and a Content-Length that lies: no crash, no hang, nothing stored', async () => {
    const to = `CUT.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'cut' })]));
    const { port } = new URL(gw.url);
    const exchange = (head: string, payload: string) =>
      new Promise<string>((resolve, reject) => {
        tally.tried++;
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.setTimeout(REQUEST_TIMEOUT_MS, () => reject(new Error('the gateway hung')));
        socket.on('data', (chunk) => (received += chunk));
        socket.on('error', () => resolve(received));
        socket.on('close', () => resolve(received));
        socket.write(head + payload);
        socket.end(); // half-close: no more body is coming
      });
    const headers = (length: number) =>
      `POST ${PUSH_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-app-key: app1\r\n` +
      `authorization: ${auth.authorization}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`;
    for (const [length, payload] of [
      [raw.length, raw.slice(0, raw.length >> 1)], // the rest never comes
      [raw.length * 4, raw], // promises more than it sends
      [10, raw], // says less than it sends: the rest is read as a (bad) next request
      [-1, raw],
    ] as const) {
      const answer = await exchange(headers(length), payload);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      assert.ok(status === 0 || (status >= 400 && status < 500), `Content-Length ${length}: ${answer.slice(0, 200)}`);
      if (status >= 400) tally.refused++;
    }
    assert.equal((await send('GET', '/healthz', undefined, {})).status, 200);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
  });
});
