// Serves the chat widget: GET /widget.js and /widget.css (for any site that embeds the widget) from the bundle in
// dist/widget (built by `npm run build`; a start without it stops with a message saying so: widgetBundle.ts).
// GET / is the demo shop (with its demo.css, under a strict Content-Security-Policy) in `aicc-gateway demo` only;
// in production it is a plain page naming the product and its documentation, with nothing to chat on.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requireWidgetBundle, version, WIDGET_BUNDLE_DIR } from './widgetBundle.js';

export interface WidgetRoutesOptions {
  /** Where the built files are (and are built to). Default dist/widget. */
  outdir?: string;
  /** Who may frame the demo page (CSP frame-ancestors). Default 'none'. */
  frameAncestors?: string;
  /** Serve the demo shop at GET / (the demo command); otherwise GET / is the plain home page. */
  demoPage?: boolean;
}

/** The demo page's policy: nothing inline, nothing from elsewhere; media and the stream from the gateway only. */
const DEMO_CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  gzip: Buffer;
  etag: string;
  type: string;
  /** Cache-Control when the request names this exact version (?v=), and otherwise. */
  versioned: string;
  unversioned: string;
}

const SHORT = 'public, max-age=300, stale-while-revalidate=86400';
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const widgetRoutes: FastifyPluginAsync<WidgetRoutesOptions> = async (app, options) => {
  const outdir = options.outdir ?? WIDGET_BUNDLE_DIR;
  requireWidgetBundle(outdir);
  const asset = (name: string, type: string, versioned: string, unversioned: string): Asset => {
    const body = readFileSync(join(outdir, name));
    return { body, gzip: gzipSync(body, { level: 9 }), etag: `"${version(body)}"`, type, versioned, unversioned };
  };
  const js = asset('widget.js', 'text/javascript; charset=utf-8', IMMUTABLE, SHORT);
  const css = asset('widget.css', 'text/css; charset=utf-8', IMMUTABLE, SHORT);
  const frameAncestors = options.frameAncestors ?? "'none'";

  // Embedded on other sites: readable cross-origin (CORP), never sniffed as anything else.
  const embeddable = (reply: FastifyReply) =>
    reply.header('cross-origin-resource-policy', 'cross-origin').header('access-control-allow-origin', '*');

  app.get('/widget.js', (request, reply) => send(request, embeddable(reply), js));
  app.get('/widget.css', (request, reply) => send(request, embeddable(reply), css));
  if (!options.demoPage) {
    app.get('/', (_request, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(HOME_PAGE),
    );
    return;
  }
  const demoCss = asset('demo.css', 'text/css; charset=utf-8', IMMUTABLE, SHORT);
  const page = asset('index.html', 'text/html; charset=utf-8', 'no-cache', 'no-cache');
  app.get('/demo.css', (request, reply) => send(request, reply, demoCss));
  app.get('/', (request, reply) => {
    reply
      .header('content-security-policy', `${DEMO_CSP}; frame-ancestors ${frameAncestors}`)
      .header('x-frame-options', frameAncestors === "'none'" ? 'DENY' : 'SAMEORIGIN')
      .header('referrer-policy', 'no-referrer')
      .header('permissions-policy', 'geolocation=(self), camera=(), microphone=(), payment=()')
      .header('cross-origin-opener-policy', 'same-origin');
    return send(request, reply, page);
  });
};

/** GET / in production: what this address is, for whoever opens it; no widget, nothing to chat on. */
const HOME_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>aicc-gateway</title></head>
<body><h1>aicc-gateway</h1>
<p>This address is an aicc-gateway: it receives Huawei Cloud AICC's web-channel messages and delivers them to a website's chat. There is nothing to see here.</p>
<p>Documentation: the README and docs/ of the aicc-gateway package; its HTTP API at <a href="/docs">/docs</a>; its health at <a href="/healthz">/healthz</a>.</p>
</body></html>
`;

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  const wanted = (request.query as { v?: unknown }).v;
  reply
    .header('content-type', asset.type)
    .header('cache-control', wanted !== undefined && `"${wanted}"` === asset.etag ? asset.versioned : asset.unversioned)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}
