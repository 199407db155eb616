// The SSE transport, over fetch streaming rather than EventSource: fetch can send the token in a header and
// resume with `Last-Event-ID` on the first request too, and it exists in browsers and in Node 20 alike.

import { CLOSE } from './reconnect.js';
import { describe } from './token.js';
import type { Transport, TransportHandlers } from './transport.js';
import type { FetchFunction } from './types.js';

export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** The text/event-stream parser of the HTML standard (§9.2.6), fed with decoded chunks as they come. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    const buffer = this.#buffer + chunk;
    const eol = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = eol.exec(buffer); match; match = eol.exec(buffer)) {
      // A CR at the very end may be the first half of a CRLF split between two chunks: wait for the next one.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      this.#line(buffer.slice(start, match.index), events);
      start = match.index + match[0].length;
    }
    this.#buffer = buffer.slice(start);
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) events.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    // `retry` and unknown fields: the client has its own backoff.
  }
}

/** GET /v1/stream as an event stream; resumes after `since` by query and by `Last-Event-ID`. */
export function openSse(url: URL, token: string, since: number, fetchFn: FetchFunction, handlers: TransportHandlers): Transport {
  const abort = new AbortController();
  let closed = false;
  const end = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    abort.abort();
    handlers.close(code, reason);
  };

  const read = async () => {
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
    if (since > 0) headers['last-event-id'] = String(since);
    const res = await fetchFn(url.href, { headers, signal: abort.signal });
    if (res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      return end(CLOSE.TOKEN_REFUSED, 'token refused (HTTP 401)');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      return end(CLOSE.ABNORMAL, `the stream answered HTTP ${res.status}`);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return end(CLOSE.ABNORMAL, 'the stream ended without a close frame');
      for (const event of parser.push(decoder.decode(value, { stream: true }))) {
        if (closed) return; // a listener closed the client while we were handing over this chunk
        if (event.event === 'close') return end(...closeFrame(event.data));
        handlers.frame(event.data);
      }
    }
  };
  read().catch((error: unknown) => end(CLOSE.ABNORMAL, `the stream broke: ${describe(error)}`));

  return {
    close() {
      if (closed) return;
      closed = true;
      abort.abort();
    },
  };
}

/** The code and reason of an `event: close` frame (`{"type":"close","code":N,"reason":"…"}`). */
function closeFrame(data: string): [number, string] {
  try {
    const frame = JSON.parse(data) as { code?: unknown; reason?: unknown };
    if (typeof frame.code === 'number') return [frame.code, typeof frame.reason === 'string' ? frame.reason : ''];
  } catch {
    // Unreadable: treat it as a broken stream.
  }
  return [CLOSE.ABNORMAL, 'unreadable close frame'];
}
