// Customers as a browser runs them: one SDK client each (GatewayClient, its default reconnect policy, over `ws`),
// run as their own process so that thousands of them neither share the gateway's cores' event loop with the
// test nor its file descriptors. The storm benchmark and the deploy tests drive it over the IPC channel:
//   { type: 'start', sdk, url, customers: [{ id, token }], options? } -> { type: 'started' } once every client connected
//   { type: 'status' }  -> { type: 'status', connected, received, errors }
//   { type: 'report' }  -> { type: 'report', customers: CustomerReport[] }
//   { type: 'close' }   -> closes every client and exits
// `sdk` is the module to load the SDK from: the compiled `dist/client/index.js` (what a site ships), or the
// TypeScript source under tsx.

import WebSocket from 'ws';
import type { ClientOptions, GatewayClient } from '../src/client/index.js';

export interface CustomerReport {
  id: string;
  /** The `content` of every message handed to the app, in the order it was handed. */
  contents: string[];
  /** Message seqs that did not follow the one before (a gap or a repeat reaching the app): should stay empty. */
  violations: string[];
  /** Wall-clock ms of each `connected` event (the hello), and of each `disconnected` one. */
  connectedAt: number[];
  disconnectedAt: number[];
  errors: string[];
}

export type CustomersCommand =
  | { type: 'start'; sdk: string; url: string; customers: { id: string; token: string }[]; options?: Partial<ClientOptions> }
  | { type: 'status' }
  | { type: 'report' }
  | { type: 'close' };

interface Customer extends CustomerReport {
  client: GatewayClient;
  lastSeq: number;
}

const customers: Customer[] = [];

async function start(sdk: string, url: string, list: { id: string; token: string }[], options: Partial<ClientOptions> = {}): Promise<void> {
  const { createClient } = (await import(sdk)) as { createClient: (options: ClientOptions) => GatewayClient };
  for (const { id, token } of list) {
    const customer = { id, contents: [], violations: [], connectedAt: [], disconnectedAt: [], errors: [], lastSeq: 0 } as unknown as Customer;
    const client = createClient({ ...options, url, token, WebSocket: WebSocket as unknown as ClientOptions['WebSocket'], fallback: false });
    customer.client = client;
    client.on('message', ({ seq, message }) => {
      if (seq !== customer.lastSeq + 1) customer.violations.push(`seq ${seq} after ${customer.lastSeq}`);
      customer.lastSeq = seq;
      customer.contents.push(String(message.content));
    });
    client.on('connected', () => customer.connectedAt.push(Date.now()));
    client.on('disconnected', () => customer.disconnectedAt.push(Date.now()));
    client.on('error', (error) => {
      if (customer.errors.length < 20) customer.errors.push(`${error.code}: ${error.message}`);
    });
    customers.push(customer);
    // A few at a time: a page load's connections, not one burst of handshakes from one process.
    if (customers.length % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  while (customers.some((c) => c.connectedAt.length === 0)) await new Promise((resolve) => setTimeout(resolve, 20));
}

function status() {
  let connected = 0;
  let received = 0;
  let errors = 0;
  for (const c of customers) {
    if (c.client.connectionState === 'connected') connected++;
    received += c.contents.length;
    errors += c.errors.length;
  }
  return { type: 'status', connected, received, errors };
}

process.on('message', (command: CustomersCommand) => {
  switch (command.type) {
    case 'start':
      start(command.sdk, command.url, command.customers, command.options).then(
        () => process.send!({ type: 'started' }),
        (err: Error) => process.send!({ type: 'failed', error: err.stack ?? err.message }),
      );
      break;
    case 'status':
      process.send!(status());
      break;
    case 'report':
      process.send!({ type: 'report', customers: customers.map(({ client: _client, lastSeq: _lastSeq, ...report }) => report) });
      break;
    case 'close':
      for (const c of customers) c.client.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
