// The delivery baseline: a bare node:http + `ws` server that takes the same push (POST, JSON) and sends it
// on to every socket registered for its `to`, with no auth, no validation and no store. What the gateway
// adds on top of this (validation, an fsync'd commit, sequence numbers, resumable streams) is the cost measured.

import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const sockets = new Map<string, Set<WebSocket>>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { messages: { to: string }[] };
    for (const message of body.messages) {
      const frame = JSON.stringify({ type: 'message', message });
      for (const socket of sockets.get(message.to) ?? []) socket.send(frame);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"resultCode":"0","resultDesc":"success"}');
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (socket, req) => {
  const customer = new URL(req.url!, 'http://x').searchParams.get('customer')!;
  let set = sockets.get(customer);
  if (!set) sockets.set(customer, (set = new Set()));
  set.add(socket);
  socket.on('close', () => set.delete(socket));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ msg: 'gateway listening', port: address.port }) + '\n');
});
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
});
