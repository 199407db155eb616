// What the host page asks of the widget: the attributes of its <script> tag, and an optional
// `window.AiccChatConfig` (for what an attribute cannot carry, such as a `getToken` function).
//   <script src="https://chat.example.com/widget.js" data-color="#0f766e" data-position="left"
//           data-title="Support" data-lang="zh-CN" data-token="…" data-open="true" defer></script>

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
}

export interface HostSettings {
  getToken?: () => Promise<string>;
  token?: string;
}

type Attributes = Pick<HTMLElement, 'getAttribute'>;

export function readConfig(script: (Attributes & { src?: string }) | null, location: string, languages: readonly string[], host: HostSettings = {}): WidgetConfig {
  const attr = (name: string) => script?.getAttribute(`data-${name}`)?.trim() || undefined;
  const scriptOrigin = script?.src ? new URL(script.src, location).origin : new URL(location).origin;
  const position = attr('position') === 'left' ? 'left' : 'right';
  return {
    gateway: gatewayUrl(attr('gateway'), scriptOrigin, location),
    color: attr('color'),
    position,
    title: attr('title')?.slice(0, 80),
    lang: chooseLang(attr('lang'), languages),
    token: attr('token') ?? host.token,
    getToken: typeof host.getToken === 'function' ? host.getToken : undefined,
    open: attr('open') === 'true',
  };
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
