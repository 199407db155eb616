// The delivery baseline: a bare Fastify route and a `ws` server that take the same push (POST, JSON) and write
// each message to the sockets registered for its `to`, with no auth, no validation and no store. What the
// gateway adds on top of this (validation, an fsync'd commit, sequence numbers, resumable streams) is the cost
// measured. The frame of a message is serialized once, whatever the number of its customer's sockets.

import Fastify from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';

const sockets = new Map<string, Set<WebSocket>>();
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.post('/apiaccess/ccmessaging/pushMsg', async (request) => {
  for (const message of (request.body as { messages: { to: string }[] }).messages) {
    const set = sockets.get(message.to);
    if (!set) continue;
    const frame = JSON.stringify({ type: 'message', message });
    for (const socket of set) socket.send(frame);
  }
  return { resultCode: '0', resultDesc: 'success' };
});
const wss = new WebSocketServer({ server: app.server, perMessageDeflate: false });
wss.on('connection', (socket, req) => {
  const customer = new URL(req.url!, 'http://x').searchParams.get('customer')!;
  let set = sockets.get(customer);
  if (!set) sockets.set(customer, (set = new Set()));
  set.add(socket);
  socket.on('close', () => set.delete(socket));
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ msg: 'gateway listening', port: Number(new URL(url).port) }) + '\n');
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  void app.close().then(() => process.exit(0));
});
