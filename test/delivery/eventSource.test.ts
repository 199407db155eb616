// A second opinion on the SSE side of /v1/stream: the `eventsource` npm package, a WHATWG-compliant
// EventSource for Node that nobody here wrote. Replay after `since`, heartbeats, the `close` event, and a
// reconnect after a restart that resumes by itself with Last-Event-ID.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventSource, type FetchLike } from 'eventsource';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, freePort, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { waitFor, type Frame } from '../support/streams.js';

interface Listener {
  source: EventSource;
  frames: Frame[];
  messages(): Frame[];
  closes: Frame[];
  opens: number;
  /** The Last-Event-ID header of every request the EventSource made (undefined: none). */
  lastEventIds: (string | undefined)[];
}

function listen(url: string): Listener {
  const lastEventIds: (string | undefined)[] = [];
  const recording: FetchLike = (input, init) => {
    lastEventIds.push((init.headers as Record<string, string>)['Last-Event-ID']);
    return fetch(input, init as RequestInit);
  };
  const source = new EventSource(url, { fetch: recording });
  const listener: Listener = {
    source, frames: [], closes: [], opens: 0, lastEventIds,
    messages: () => listener.frames.filter((f) => f.type === 'message'),
  };
  source.onopen = () => listener.opens++;
  source.onmessage = (event) => listener.frames.push({ ...JSON.parse(event.data), lastEventId: event.lastEventId });
  source.addEventListener('close', (event) => listener.closes.push(JSON.parse((event as MessageEvent).data)));
  return listener;
}

const streamUrl = (gw: InProcessGateway, token: string, query = '') => `${gw.url}/v1/stream?token=${encodeURIComponent(token)}${query}`;

async function push(gw: InProcessGateway, to: string, contents: string[]): Promise<void> {
  const answer = await gw.push(pushBody(contents.map((content) => downLinkMsg({ to, content }))));
  assert.equal(answer.status, 200);
}

describe('the eventsource package against /v1/stream', () => {
  it('replays after since, then hears heartbeats', async () => {
    const gw = await startGateway({ HEARTBEAT_MS: '1000' });
    const token = await customerToken('es-replay');
    await push(gw, 'es-replay', ['one', 'two', 'three', 'four', 'five']);
    const es = listen(streamUrl(gw, token, '&since=2'));
    try {
      await waitFor(() => es.frames.some((f) => f.type === 'heartbeat'), 'a heartbeat');
      const [hello] = es.frames;
      assert.equal(hello!.type, 'hello');
      assert.equal(hello!.resumedFrom, 2);
      assert.equal(hello!.lastSeq, 5);
      assert.deepEqual(es.messages().map((f) => [f.seq, f.message.content, f.lastEventId]), [
        [3, 'three', '3'], [4, 'four', '4'], [5, 'five', '5'],
      ]);
      assert.equal(typeof es.frames.find((f) => f.type === 'heartbeat')!.ts, 'number');
      assert.equal(es.source.readyState, EventSource.OPEN);
    } finally {
      es.source.close();
      await gw.close();
    }
  });

  it('hears the close event on shutdown, and resumes with Last-Event-ID once the gateway is back', async () => {
    const port = String(await freePort());
    const dataDir = tempDir();
    let gw = await startGateway({ PORT: port }, dataDir);
    const token = await customerToken('es-resume');
    const es = listen(streamUrl(gw, token));
    try {
      await waitFor(() => es.opens === 1, 'the stream opens');
      await push(gw, 'es-resume', ['a', 'b', 'c']);
      await waitFor(() => es.messages().length === 3, 'three messages');
      await gw.close();
      await waitFor(() => es.closes.length === 1, 'the close event');
      assert.deepEqual(es.closes[0], { type: 'close', code: 1001, reason: 'the gateway is shutting down' });

      gw = await startGateway({ PORT: port }, dataDir);
      await push(gw, 'es-resume', ['d', 'e']);
      await waitFor(() => es.messages().length === 5, 'the messages after the restart');
      assert.deepEqual(es.messages().map((f) => [f.seq, f.message.content]), [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [5, 'e']]);
      assert.equal(es.lastEventIds[0], undefined, 'the first request has no Last-Event-ID');
      assert.equal(es.lastEventIds.at(-1), '3', 'the reconnect resumes from the last id it saw');
      assert.equal(es.frames.filter((f) => f.type === 'hello').at(-1)!.resumedFrom, 3);
    } finally {
      es.source.close();
      await gw.close();
    }
  });
});
