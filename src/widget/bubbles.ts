// One message on screen: the bubble of an agent, the bot or the customer (nickname, time, the content of each
// media type) and the notices in the middle. Every piece of content is text or an attribute, never markup.

import { h, icon, linkify } from './dom.js';
import type { Strings } from './i18n.js';
import type { Body, Delivery, Display } from './model.js';
import { ratingControls, type RatingHooks } from './rating.js';

export interface BubbleContext {
  t: Strings;
  time: Intl.DateTimeFormat;
  /** A signed, short-lived URL for one media id (GET /v1/media/:id/link): no token ever goes in a URL. */
  media: (id: string) => Promise<string>;
  enlarge: (src: string, alt: string) => void;
  /** Rating the robot's answers that carry an interIdx; absent: no rating offered. */
  rating?: RatingHooks;
}

type BubbleDisplay = Extract<Display, { kind: 'bubble' }>;
type NoticeDisplay = Extract<Display, { kind: 'notice' }>;

export function bubble(seq: number | undefined, shown: BubbleDisplay, at: number, ctx: BubbleContext): HTMLLIElement {
  const { t } = ctx;
  const who = shown.author === 'customer' ? t.you : shown.nickname ?? (shown.author === 'bot' ? t.bot : t.agent);
  const item = h('li', { class: `msg msg-${shown.author}`, 'data-seq': seq === undefined ? undefined : String(seq), 'data-author': `${shown.author}:${who}` });
  if (shown.author !== 'customer') {
    item.append(h('span', { class: 'avatar', 'aria-hidden': 'true' }, shown.author === 'bot' ? '✦' : initial(who)));
  }
  const meta = h(
    'div',
    { class: 'meta' },
    h('span', { class: 'who' }, who),
    shown.author === 'bot' && h('span', { class: 'tag' }, t.bot),
    h('time', { datetime: new Date(at).toISOString() }, ctx.time.format(at)),
  );
  const content = h('div', { class: `bubble body-${shown.body.kind}` }, body(shown.body, who, ctx));
  const column = h('div', { class: 'col' }, meta, content);
  if (shown.author === 'customer') column.append(h('div', { class: 'delivery' }));
  if (shown.author === 'bot' && shown.interIdx !== undefined && seq !== undefined && ctx.rating) {
    column.append(ratingControls(seq, shown.interIdx, ctx.rating, t));
  }
  item.append(column);
  return item;
}

function body(b: Body, who: string, ctx: BubbleContext): Node {
  const { t } = ctx;
  switch (b.kind) {
    case 'text':
      return h('p', { class: 'text' }, linkify(b.text));
    case 'image': {
      const alt = `${t.image} · ${who}`;
      const img = withMedia(h('img', { alt, loading: 'lazy', decoding: 'async' }), 'src', b.id, ctx);
      const button = h('button', { type: 'button', class: 'thumb', 'aria-label': t.enlarge }, img);
      button.addEventListener('click', () => ctx.enlarge(img.src, alt));
      return button;
    }
    case 'audio':
      return withMedia(h('audio', { controls: true, preload: 'metadata' }), 'src', b.id, ctx);
    case 'video':
      return withMedia(h('video', { controls: true, preload: 'metadata', playsinline: true }), 'src', b.id, ctx);
    case 'document': {
      const name = b.fileName ?? b.id.split('/').pop() ?? 'file';
      const link = withMedia(
        h(
          'a',
          { class: 'doc', download: name, rel: 'noopener' },
          icon('file', 22),
          h('span', { class: 'doc-name' }, name),
          h('span', { class: 'doc-action' }, t.download),
        ),
        'href',
        b.id,
        ctx,
      );
      // A link clicked long after it was shown: its URL is renewed as the pointer or focus reaches it.
      const renew = () => void ctx.media(b.id).then((url) => link.setAttribute('href', url), () => undefined);
      link.addEventListener('pointerenter', renew);
      link.addEventListener('focus', renew);
      return link;
    }
    case 'location':
      return locationCard(b, t);
  }
}

/**
 * Sets the element's `src` or `href` once the media's URL arrives. A recording or video that fails later (its URL
 * expired before a seek asked for more bytes) gets a fresh URL, once.
 */
function withMedia<T extends HTMLElement>(element: T, attribute: 'src' | 'href', id: string, ctx: BubbleContext): T {
  const load = () => ctx.media(id).then((url) => element.setAttribute(attribute, url));
  load().catch(() => element.classList.add('media-missing'));
  if (attribute === 'src' && !(element instanceof HTMLImageElement)) {
    element.addEventListener('error', () => void load().catch(() => undefined), { once: true });
  }
  return element;
}

function locationCard(b: Extract<Body, { kind: 'location' }>, t: Strings): Node {
  const lat = b.latitude.toFixed(5);
  const lon = b.longitude.toFixed(5);
  // Built from numbers only: nothing from the message reaches the URL but two formatted decimals.
  const href = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=16/${encodeURIComponent(lat)}/${encodeURIComponent(lon)}`;
  return h(
    'a',
    { class: 'location', href, target: '_blank', rel: 'noopener noreferrer' },
    h('span', { class: 'pin' }, icon('pin', 22)),
    h('span', { class: 'loc-text' }, h('span', { class: 'loc-desc' }, b.description || t.myLocation), h('span', { class: 'loc-coords' }, `${lat}, ${lon}`), h('span', { class: 'loc-link' }, t.openMap)),
  );
}

export function notice(seq: number, shown: NoticeDisplay, t: Strings): HTMLLIElement {
  let text: string;
  switch (shown.notice) {
    case 'system':
      text = shown.text;
      break;
    case 'ended':
      text = shown.text ?? t.ended;
      break;
    case 'offline':
      text = shown.text ?? t.offline;
      break;
    case 'asked-human':
      text = t.askedForHuman;
      break;
    case 'you-ended':
      text = t.youEnded;
      break;
  }
  return h('li', { class: `notice notice-${shown.notice}`, 'data-seq': String(seq) }, h('span', {}, text));
}

/** The line under a customer's bubble: ✓ sent, ✓✓ read, a clock while sending (with why it waits, when it
 *  waits for the connection), or the reason and Retry. */
export function renderDelivery(item: HTMLElement, delivery: Delivery, reason: string | undefined, t: Strings, retry: () => void): void {
  const line = item.querySelector('.delivery');
  if (!line) return;
  item.dataset.delivery = delivery;
  const labels: Record<Delivery, string> = { sending: t.sending, sent: t.sent, read: t.read, failed: t.failed };
  const marks: Record<Delivery, string> = { sending: '◷', sent: '✓', read: '✓✓', failed: '!' };
  line.replaceChildren(h('span', { class: `tick tick-${delivery}`, title: labels[delivery] }, h('span', { 'aria-hidden': 'true' }, marks[delivery]), h('span', { class: 'sr' }, labels[delivery])));
  if (delivery === 'sending' && reason) line.append(h('span', { class: 'waiting' }, reason));
  if (delivery === 'failed') {
    const button = h('button', { type: 'button', class: 'retry' }, t.retry);
    button.addEventListener('click', retry, { once: true });
    line.append(h('span', { class: 'reason' }, reason ? `${t.failed}: ${reason}` : t.failed), button);
  }
}

function initial(name: string): string {
  return ([...name.trim()][0] ?? '?').toUpperCase();
}

/** A message in a few words: its text (shortened), or what kind of attachment it is. */
export function bodySummary(body: Body, t: Strings): string {
  if (body.kind === 'text') return body.text.slice(0, 140);
  const kind = body.kind === 'location' ? 'LOCATE' : body.kind.toUpperCase();
  return t.attachmentKinds[kind] ?? '';
}
