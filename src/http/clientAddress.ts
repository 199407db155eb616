// Who the client is, for the per-address limits and the logs. Without proxies (TRUST_PROXY=off) it is the
// connection's peer. Behind proxies it is read from X-Forwarded-For, counting from the right, through the proxies
// TRUST_PROXY names (a number of hops, or their addresses): the entries further left are written by the client
// and prove nothing, so they are never believed.

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/** The ranges proxy-addr (Fastify's trustProxy) knows by name. */
const NAMED_RANGES: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']],
  linklocal: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']],
  uniquelocal: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']],
};

/** TRUST_PROXY as Fastify takes it; a hop count as a function, since Fastify trusts no peer for a bare number. */
export function trustProxyOption(trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return trust;
}

/** Whether a connection's peer is one of the trusted proxies (every peer is, with a hop count). */
export function trustedPeer(trust: Config['trustProxy']): (address: string) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return () => true;
  const list = new BlockList();
  for (const item of trust) {
    for (const [address, bits, type] of NAMED_RANGES[item] ?? [cidr(item)]) list.addSubnet(address, bits, type);
  }
  return (address) => {
    const plain = unmapped(address);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client's address as a limiter key or a log field: what Fastify derived (request.ip) when it is an address,
 * else the peer's. A proxy that passes on what the client wrote cannot make the key anything but an address.
 */
export function clientAddress(request: FastifyRequest): string {
  const derived = request.ip;
  if (typeof derived === 'string' && derived.length <= 45 && isIP(derived) !== 0) return derived;
  return request.socket.remoteAddress ?? 'unknown';
}

/**
 * `clientAddress` for a request Fastify does not see (a stream's upgrade, delivery/webSocketUpgrades.ts), derived
 * as Fastify derives request.ip (proxy-addr): from the peer leftwards through X-Forwarded-For, while the hop is
 * trusted (its address is listed, or it is within the hop count); the first untrusted one is the client.
 */
export function rawClientAddress(trust: Config['trustProxy']): (request: IncomingMessage) => string {
  const listed = trustedPeer(trust);
  const trusted = (address: string, hop: number) => (typeof trust === 'number' ? hop < trust : listed(address));
  return (request) => {
    const peer = request.socket.remoteAddress ?? 'unknown';
    const forwarded = request.headers['x-forwarded-for'];
    if (trust === false || !forwarded) return peer;
    // Empty entries are skipped, as proxy-addr skips them.
    const hops = [peer, ...String(forwarded).split(',').map((entry) => entry.trim()).filter(Boolean).reverse()];
    let hop = 0;
    while (hop < hops.length - 1 && trusted(hops[hop]!, hop)) hop++;
    const derived = hops[hop]!;
    return derived.length <= 45 && isIP(derived) !== 0 ? derived : peer;
  };
}

function cidr(item: string): [string, number, 'ipv4' | 'ipv6'] {
  const [address = '', bits] = item.split('/');
  const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return [address, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type];
}

/** "::ffff:10.0.0.1" (an IPv4 peer of a dual-stack socket) as "10.0.0.1". */
function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}
