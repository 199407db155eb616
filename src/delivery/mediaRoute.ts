// GET /v1/media/:id: a picture, recording or document of the customer's own conversation, fetched from AICC
// once (downloadFileStream), then served from the disk cache with its type, its length and byte ranges.

import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { AiccClient } from '../aicc/aiccClient.js';
import type { Engine, LogEntry } from '../engine/types.js';
import { GatewayError } from '../errors.js';
import { MEDIA_ID_MAX_LENGTH } from '../limits.js';
import { tokenOf, type CustomerTokens } from './identity.js';
import { contentTypeOf, type MediaCache } from './mediaCache.js';

const MEDIA_TYPES = new Set(['IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT', 'FILE']);
/** How far back in a customer's log a resource id is looked for. */
const OWNERSHIP_SCAN = 5000;
const PAGE = 500;

export interface MediaRouteOptions {
  engine: Engine;
  customerTokens: CustomerTokens;
  cache: MediaCache;
  /** Absent when the gateway has no AICC to download from (only cached uploads can be served then). */
  aicc: AiccClient | undefined;
}

export const mediaRoute: FastifyPluginAsync<MediaRouteOptions> = async (app, { engine, customerTokens, cache, aicc }) => {
  app.get('/v1/media/:id', async (request, reply) => {
    const { customerId } = await customerTokens.verify(tokenOf(request.headers, request.query));
    const id = (request.params as { id: string }).id;
    if (!id || id.length > MEDIA_ID_MAX_LENGTH) throw new GatewayError('INVALID_PARAMETER', 'the media id is missing or too long');
    // Only media that appears in this customer's conversation: an id is not a capability.
    const entry = await findMedia(engine, customerId, id);
    if (!entry) throw new GatewayError('NOT_FOUND', 'no such media in this conversation');

    const media = await cache.getOrFetch(id, async () => {
      if (!aicc) throw new GatewayError('UPLINK_DISABLED', 'media cannot be fetched: AICC_BASE_URL is not set');
      const fileType = fileTypeOf(id, entry);
      const local = entry.message.contentType === '1' || id.startsWith('local/');
      const bytes = await aicc.downloadFile(id, fileType, !local).catch((err: Error) => {
        request.log.warn({ customerId, err: { message: err.message } }, 'media download from AICC failed');
        throw new GatewayError('UPSTREAM_FAILED', 'the media could not be fetched from the contact center');
      });
      return { bytes, contentType: contentTypeOf(bytes, fileType) };
    });

    reply
      .header('content-type', media.contentType)
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, max-age=86400')
      .header('x-content-type-options', 'nosniff');
    const fileName = typeof entry.message.fileName === 'string' ? entry.message.fileName : undefined;
    if (entry.message.mediaType === 'DOCUMENT' || entry.message.mediaType === 'FILE') {
      reply.header('content-disposition', `attachment${fileName ? `; filename*=UTF-8''${encodeURIComponent(fileName)}` : ''}`);
    }
    const range = parseRange(request.headers.range, media.size);
    if (range === 'unsatisfiable') {
      return reply.status(416).header('content-range', `bytes */${media.size}`).send();
    }
    if (range) {
      reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${media.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
      return reply.send(createReadStream(media.path, range));
    }
    reply.header('content-length', String(media.size));
    return reply.send(createReadStream(media.path));
  });
};

async function findMedia(engine: Engine, customerId: string, id: string): Promise<LogEntry | undefined> {
  let before = Number.MAX_SAFE_INTEGER;
  for (let scanned = 0; scanned < OWNERSHIP_SCAN; scanned += PAGE) {
    const page = await engine.readBefore(customerId, before, PAGE);
    const found = page.find((e) => e.message.content === id && MEDIA_TYPES.has(String(e.message.mediaType)));
    if (found) return found;
    if (page.length < PAGE) return undefined;
    before = page[0]!.seq;
  }
  return undefined;
}

/** AICC's download needs a fileType: the id's extension, what the message says, or the media type's usual one. */
function fileTypeOf(id: string, entry: LogEntry): string {
  const extension = /\.([a-z0-9]{2,5})$/i.exec(id)?.[1];
  if (extension) return extension.toLowerCase();
  if (typeof entry.message.fileType === 'string') return entry.message.fileType;
  const byMedia: Record<string, string> = { IMAGE: 'jpg', VIDEO: 'mp4', AUDIO: 'mp3', DOCUMENT: 'pdf', FILE: 'pdf' };
  return byMedia[String(entry.message.mediaType)] ?? 'jpg';
}

/** One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); several ranges are answered whole. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match as unknown as [string, string, string];
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
