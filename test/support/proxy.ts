// A tiny HTTP reverse proxy of the tests' own, in front of one or more gateways, standing in for a load balancer
// or a corporate proxy: each request goes to the next backend in turn, one that refuses the connection is
// skipped (like nginx's proxy_next_upstream error), answers stream through unbuffered (SSE works), and
// WebSocket upgrades are refused, as proxies that do not understand them do, unless `refuseUpgrades` is false.

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface TestProxy {
  url: string;
  /** Upgrade requests refused so far. */
  refusedUpgrades: number;
  /** Whether upgrades are refused (default true); false: passed through to the next backend. */
  refuseUpgrades: boolean;
  close(): Promise<void>;
}

export async function startProxy(backends: readonly string[]): Promise<TestProxy> {
  let next = 0;
  const sockets = new Set<Socket>();
  const proxy = { url: '', refusedUpgrades: 0, refuseUpgrades: true, close: async () => {} } as TestProxy;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tries: number) => {
    const target = new URL(backends[next++ % backends.length]!);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      // A backend that is down (its port closed, or a pooled connection to it cut): try the next one before
      // anything was answered, as a load balancer would.
      const retriable = err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
      if (retriable && !res.headersSent && tries + 1 < backends.length) return forward(req, res, body, tries + 1);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('no backend');
      else res.destroy();
    });
    res.once('close', () => upstream.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => forward(req, res, Buffer.concat(chunks), 0));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (proxy.refuseUpgrades) {
      proxy.refusedUpgrades++;
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // Passed through: the request as it came, then bytes both ways.
    const target = new URL(backends[next++ % backends.length]!);
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('error', () => socket.destroy());
    socket.once('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
