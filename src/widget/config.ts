// What the host page asks of the widget: the attributes of its <script> tag, and an optional
// `window.AiccChatConfig` (for what an attribute cannot carry, such as a `getToken` function).
//   <script src="https://chat.example.com/widget.js" data-color="#0f766e" data-position="left"
//           data-title="Support" data-lang="zh-CN" data-token="…" data-open="true"
//           data-greeting="Hi! Ask us anything." data-notifications="true" data-sound="true"
//           data-launcher="false" defer></script>
// A greeting per language: `window.AiccChatConfig = { greeting: { en: '…', 'zh-CN': '…' } }`.

import { chooseLang, type Lang } from './i18n.js';

export interface WidgetConfig {
  /** The gateway's base URL (http or https, no trailing slash). */
  gateway: string;
  color: string | undefined;
  position: 'left' | 'right';
  title: string | undefined;
  lang: Lang;
  /** A customer token from the host page's backend; without it and without getToken, an anonymous visitor. */
  token: string | undefined;
  getToken: (() => Promise<string>) | undefined;
  /** Open the panel at once (the demo page does). */
  open: boolean;
  /** The first words in the panel, in the widget's language; undefined: the default of i18n.ts. */
  greeting: string | undefined;
  /** The site lets the widget show browser notifications (the customer is asked on a click of theirs). */
  notifications: boolean;
  /** A short chime when a message arrives unseen. */
  sound: boolean;
  /** The round launcher button; false when the page opens the chat from its own button. */
  launcher: boolean;
  /** The pre-chat form's fields (`data-prechat="name*,email,phone"`, `*`: required); empty: no form. */
  prechat: PreChatField[];
}

export interface PreChatField {
  field: 'name' | 'email' | 'phone';
  required: boolean;
}

export interface HostSettings {
  getToken?: () => Promise<string>;
  token?: string;
  /** One greeting, or one per language (`en`, `zh-CN`). */
  greeting?: string | Partial<Record<Lang, string>>;
  /** false: no launcher button (as `data-launcher="false"`). */
  launcher?: boolean;
}

type Attributes = Pick<HTMLElement, 'getAttribute'>;

export function readConfig(script: (Attributes & { src?: string }) | null, location: string, languages: readonly string[], host: HostSettings = {}): WidgetConfig {
  const attr = (name: string) => script?.getAttribute(`data-${name}`)?.trim() || undefined;
  const scriptOrigin = script?.src ? new URL(script.src, location).origin : new URL(location).origin;
  const position = attr('position') === 'left' ? 'left' : 'right';
  const lang = chooseLang(attr('lang'), languages);
  const hostGreeting = typeof host.greeting === 'string' ? host.greeting : host.greeting?.[lang];
  return {
    gateway: gatewayUrl(attr('gateway'), scriptOrigin, location),
    color: attr('color'),
    position,
    title: attr('title')?.slice(0, 80),
    lang,
    token: attr('token') ?? host.token,
    getToken: typeof host.getToken === 'function' ? host.getToken : undefined,
    open: attr('open') === 'true',
    greeting: (attr('greeting') ?? (typeof hostGreeting === 'string' ? hostGreeting.trim() || undefined : undefined))?.slice(0, 500),
    notifications: attr('notifications') === 'true',
    sound: attr('sound') === 'true',
    launcher: attr('launcher') !== 'false' && host.launcher !== false,
    prechat: preChatFields(attr('prechat')),
  };
}

/** "name*, email, phone": the fields asked before the first message, in that order, each once; `*` required. */
export function preChatFields(value: string | undefined): PreChatField[] {
  const fields: PreChatField[] = [];
  for (const part of (value ?? '').split(',')) {
    const name = part.trim().replace(/\*$/, '').toLowerCase();
    if ((name === 'name' || name === 'email' || name === 'phone') && !fields.some((f) => f.field === name)) {
      fields.push({ field: name, required: part.trim().endsWith('*') });
    }
  }
  return fields;
}

/** `data-gateway` when it is an http(s) URL, else the origin the script came from. */
function gatewayUrl(given: string | undefined, fallback: string, location: string): string {
  if (given) {
    try {
      const url = new URL(given, location);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href.replace(/\/+$/, '');
    } catch {
      // Not a URL: the script's origin.
    }
  }
  return fallback;
}
