// GET /v1/media/:id: a picture, recording or document of the customer's own conversation, fetched from AICC
// once (downloadFileStream), then served from the disk cache with its type, its length and byte ranges. Only
// media the customer holds a grant for (AICC sent it to them, or they uploaded it: engine/mediaGrants.ts).
// GET /v1/media/:id/link: a signed URL for one media id (delivery/mediaUrls.ts), for <img src> and the like,
// so that no customer token travels in a URL.

import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine, MediaGrant } from '../engine/types.js';
import { GatewayError } from '../errors.js';
import { bearerToken } from '../http/bearer.js';
import { MEDIA_ID_MAX_LENGTH } from '../limits.js';
import type { CustomerTokens } from './identity.js';
import { contentTypeOf, type MediaCache } from './mediaCache.js';
import type { MediaUrls } from './mediaUrls.js';


/** Downloads one file from AICC under the customer's own session (downloadFileStream needs their ccmessaging-token). */
export type MediaDownload = (customerId: string, fileId: string, fileType: string, mediaLibrary: boolean) => Promise<Buffer>;

export interface MediaRouteOptions {
  engine: Engine;
  customerTokens: CustomerTokens;
  cache: MediaCache;
  /** Absent when the gateway has no AICC to download from (only cached uploads can be served then). */
  download: MediaDownload | undefined;
  urls: MediaUrls;
  /** Cross-Origin-Resource-Policy of media answers: cross-origin when any page may embed them (ALLOWED_ORIGINS=*). */
  resourcePolicy: 'cross-origin' | 'same-site';
}

export const mediaRoute: FastifyPluginAsync<MediaRouteOptions> = async (app, options) => {
  const { engine, customerTokens, cache, download, urls } = options;
  // On every answer of these routes, refusals included: whatever the bytes are (an SVG, an HTML file uploaded
  // as text), opened directly they run nothing, and only pages the policy allows may embed them.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    reply.header('cross-origin-resource-policy', options.resourcePolicy);
    return payload;
  });

  /** The media id of the path, and the grant that lets `customerId` have it (404 without one). */
  async function granted(customerId: string, params: unknown): Promise<{ id: string; grant: MediaGrant }> {
    const id = (params as { id: string }).id;
    if (!id || id.length > MEDIA_ID_MAX_LENGTH) throw new GatewayError('INVALID_PARAMETER', 'the media id is missing or too long');
    // An id is not a capability: the grant is checked before the cache, so a file cached for one customer is
    // never served to another who only names it.
    const grant = await engine.mediaGrant(customerId, id);
    if (!grant) throw new GatewayError('NOT_FOUND', 'no such media in this conversation');
    return { id, grant };
  }

  app.get('/v1/media/:id/link', async (request) => {
    const { customerId } = await customerTokens.verify(bearerToken(request.headers.authorization));
    const { id } = await granted(customerId, request.params);
    const { query, expiresAt } = urls.sign(customerId, id);
    return { url: `/v1/media/${encodeURIComponent(id)}?${new URLSearchParams({ ...query })}`, expiresAt };
  });

  app.get('/v1/media/:id', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (query.token !== undefined) {
      throw new GatewayError('UNAUTHORIZED', 'customer tokens are not taken in media URLs: use GET /v1/media/:id/link, or Authorization: Bearer');
    }
    const customerId =
      query.signature !== undefined
        ? urls.verify(query, (request.params as { id: string }).id)
        : (await customerTokens.verify(bearerToken(request.headers.authorization))).customerId;
    const { id, grant } = await granted(customerId, request.params);

    const media = await cache.getOrFetch(id, async () => {
      if (!download) throw new GatewayError('UPLINK_DISABLED', 'media cannot be fetched: AICC_BASE_URL is not set');
      const { fileId, fileType, mediaLibrary } = downloadRequestOf(id, grant);
      const bytes = await download(customerId, fileId, fileType, mediaLibrary).catch((err: Error) => {
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
    const fileName = grant.fileName;
    if (grant.mediaType === 'DOCUMENT' || grant.mediaType === 'FILE') {
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

/** The media type's usual file type, when neither the message nor the id says. */
const FILE_TYPE_BY_MEDIA: Record<string, string> = { IMAGE: 'jpg', VIDEO: 'mp4', AUDIO: 'mp3', DOCUMENT: 'pdf', FILE: 'pdf' };

/**
 * What downloadFileStream needs for a media id (cec_07_2220). A local file (the message's contentType "1") is
 * asked for as `"local/" + content`, with the message's mediaFileType as its fileType; any other file is of the
 * tenant's media library and is asked for as it was named, with `multiMedia: "multiMedia"`.
 */
export function downloadRequestOf(id: string, grant: MediaGrant): { fileId: string; fileType: string; mediaLibrary: boolean } {
  const extension = /\.([a-z0-9]{2,5})$/i.exec(id)?.[1]?.toLowerCase();
  const byMedia = FILE_TYPE_BY_MEDIA[grant.mediaType] ?? 'jpg';
  if (grant.contentType === '1') {
    return { fileId: id.startsWith('local/') ? id : `local/${id}`, fileType: grant.fileType?.toLowerCase() ?? extension ?? byMedia, mediaLibrary: false };
  }
  return { fileId: id, fileType: extension ?? grant.fileType?.toLowerCase() ?? byMedia, mediaLibrary: true };
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
