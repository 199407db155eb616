// Raw stream clients for tests: a WebSocket and an SSE reader that collect every frame, and waitFor, which
// polls a condition until it holds (tests wait for events, never for a fixed time).

import WebSocket from 'ws';

export type Frame = { type: string; seq?: number; [key: string]: any };

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000, seen?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen ? ` (${seen()})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface StreamClient {
  frames: Frame[];
  messages(): Frame[];
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface WsClient extends StreamClient {
  socket: WebSocket;
}

export function wsUrl(baseUrl: string, token: string, since?: number): string {
  const query = new URLSearchParams({ token, ...(since === undefined ? {} : { since: String(since) }) });
  return `${baseUrl.replace(/^http/, 'ws')}/v1/stream?${query}`;
}

export function connectWs(baseUrl: string, token: string, since?: number): Promise<WsClient> {
  const socket = new WebSocket(wsUrl(baseUrl, token, since));
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        frames,
        messages: () => frames.filter((f) => f.type === 'message'),
        closed,
        close: () => socket.close(),
      }),
    );
  });
}

/** An SSE stream read with fetch, parsed into frames (each with its SSE `id` as `eventId` when present). */
export async function connectSse(
  baseUrl: string,
  headers: Record<string, string>,
  query = '',
): Promise<StreamClient & { status: number; body: string }> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/v1/stream${query}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const frames: Frame[] = [];
  let ended: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ended = resolve));
  const client = {
    status: res.status,
    body: '',
    frames,
    messages: () => frames.filter((f) => f.type === 'message'),
    closed,
    close: () => controller.abort(),
  };
  if (res.status !== 200) {
    client.body = await res.text();
    ended({ code: res.status, reason: client.body });
    return client;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          const id = block.split('\n').find((l) => l.startsWith('id: '))?.slice(4);
          if (data) frames.push({ ...JSON.parse(data), ...(id ? { eventId: Number(id) } : {}) });
        }
      }
      const last = frames[frames.length - 1];
      ended(last?.type === 'close' ? { code: last.code, reason: last.reason } : { code: 0, reason: 'ended' });
    } catch {
      ended({ code: -1, reason: 'aborted' });
    }
  })();
  return client;
}

export function seqs(frames: Frame[]): number[] {
  return frames.filter((f) => f.type === 'message').map((f) => f.seq!);
}
