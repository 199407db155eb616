// The customers of the delivery benchmark, run as their own process: one WebSocket per customer, each frame
// read as a browser would (JSON), and for every message of the current step the time from its send time
// (carried in its content by the pusher, after the step's tag: `${tag}-${k} ${sent}`) to its receipt here. Driven by its parent over the IPC channel:
//   { type: 'connect', urls: string[] } -> { type: 'connected' }
//   { type: 'step', tag }              -> counts only messages whose content starts with `${tag}-`
//   { type: 'count' }                  -> { type: 'count', received }
//   { type: 'report' }                 -> { type: 'report', received, p50Ms, p99Ms, maxMs }
//   { type: 'close' }                  -> exits

import WebSocket from 'ws';

type Command =
  | { type: 'connect'; urls: string[] }
  | { type: 'step'; tag: string }
  | { type: 'count' }
  | { type: 'report' }
  | { type: 'close' };

const sockets: WebSocket[] = [];
let prefix = '\u0000';
let latencies: number[] = [];

function onFrame(data: WebSocket.RawData): void {
  const frame = JSON.parse(data.toString()) as { type: string; message?: { content?: string } };
  const content = frame.message?.content;
  if (frame.type !== 'message' || !content?.startsWith(prefix)) return;
  latencies.push(performance.timeOrigin + performance.now() - Number(content.slice(content.indexOf(' ') + 1)));
}

/** In groups of 50: a burst of 1,000 handshakes would measure the handshakes. */
async function connect(urls: string[]): Promise<void> {
  for (let i = 0; i < urls.length; i += 50) {
    await Promise.all(
      urls.slice(i, i + 50).map(async (url) => {
        const socket = new WebSocket(url, { perMessageDeflate: false });
        socket.on('message', onFrame);
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        sockets.push(socket);
      }),
    );
  }
}

function report() {
  const sorted = Float64Array.from(latencies).sort();
  const pick = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(2));
  return { type: 'report', received: sorted.length, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: pick(1) };
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'connect':
      connect(command.urls).then(
        () => process.send!({ type: 'connected' }),
        (err: Error) => process.send!({ type: 'failed', error: err.message }),
      );
      break;
    case 'step':
      prefix = `${command.tag}-`;
      latencies = [];
      process.send!({ type: 'ready' });
      break;
    case 'count':
      process.send!({ type: 'count', received: latencies.length });
      break;
    case 'report':
      process.send!(report());
      break;
    case 'close':
      for (const socket of sockets) socket.terminate();
      process.exit(0);
  }
});
