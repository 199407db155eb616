// The embeddable chat widget: `<script src="https://<gateway>/widget.js" defer></script>` adds a launcher and a
// chat panel to the page, inside a shadow root so that the host page's styles and ours never meet.
// Attributes: data-gateway, data-color, data-position (left|right), data-title, data-lang (en|zh-CN),
// data-token, data-open, data-launcher (false: the page opens the chat from its own button).
// `window.AiccChatConfig = { getToken }` (set before the script) supplies tokens from the host's backend.
// `window.AiccChat` is the page's handle on it (pageApi.ts; its types: src/client/widgetApi.ts).

import type {} from '../client/widgetApi.js';
import { Attention } from './attention.js';
import { Chat } from './chat.js';
import { readConfig, type HostSettings } from './config.js';
import { stringsFor } from './i18n.js';
import { Greeting } from './greeting.js';
import { Panel } from './panel.js';
import { PageApi, type Mounted, type MountOptions, type PageHooks } from './pageApi.js';
import { Session } from './session.js';

declare const __WIDGET_CSS_VERSION__: string;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // blocked (third-party storage settings): the conversation lasts as long as the page
  }
}

function mount(script: HTMLScriptElement | null, options: MountOptions, hooks: PageHooks): Mounted {
  // What the page changed since load (the language, the launcher) reads as if its attribute said so.
  const overridden: Record<string, string | undefined> = { 'data-lang': options.lang, 'data-launcher': options.launcher === undefined ? undefined : String(options.launcher) };
  const attributes = { src: script?.src, getAttribute: (name: string) => overridden[name] ?? script?.getAttribute(name) ?? null };
  const settings: HostSettings | undefined = window.AiccChatConfig;
  const config = readConfig(attributes, location.href, navigator.languages ?? [navigator.language], settings);
  // Who the customer is, once the page said so after load: the one it signed in, or nobody (logged out).
  if (options.identity) {
    config.token = undefined;
    config.getToken = options.identity.getToken;
  }
  const t = stringsFor(config.lang);
  const host = document.createElement('div');
  host.id = 'aicc-chat';
  if (config.color && CSS.supports('color', config.color)) host.style.setProperty('--aicc-accent', config.color);
  // Hidden until our stylesheet is in, so the page never shows the widget unstyled.
  host.style.visibility = 'hidden';
  const shadow = host.attachShadow({ mode: 'open' });
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = `${config.gateway}/widget.css?v=${__WIDGET_CSS_VERSION__}`;
  const show = () => host.style.removeProperty('visibility');
  css.addEventListener('load', show);
  css.addEventListener('error', show);

  const session = new Session(config.gateway, { token: config.token, getToken: config.getToken }, storage(), config.lang);
  const chat = new Chat(config, t, session, storage());
  const panel = new Panel(t, config.title ?? t.title, config.position, config.lang, {
    opened: () => {
      chat.opened();
      hooks.opened();
    },
    closed: () => hooks.closed(),
    sendText: (text) => chat.sendText(text),
    sendFile: (file) => chat.sendFile(file),
    sendLocation: () => chat.sendLocation(),
    askForHuman: () => chat.askForHuman(),
    typing: () => chat.typing(),
    newConversation: () => chat.newConversation(),
    endChat: () => chat.endChat(),
    transcript: () => chat.transcript(),
    loadEarlier: () => chat.loadEarlier(),
    suggest: (text) => chat.suggest(text),
  });
  chat.panel = panel;
  chat.events = hooks;
  panel.setLauncher(config.launcher);
  chat.greeting = new Greeting(t, config.greeting ?? t.greeting, (message, phone) => chat.leaveMessage(message, phone));
  panel.setIntro(chat.greeting.root);
  chat.attention = new Attention(t, { notifications: config.notifications, sound: config.sound, openChat: () => panel.open() });
  // A click of the customer's anywhere in the widget: the one moment a browser lets us ask for notifications.
  panel.root.addEventListener('click', () => chat.attention?.askPermission());
  shadow.append(css, panel.root);
  document.body.appendChild(host);
  const unmounted = new AbortController();
  chat.boot(unmounted.signal);
  if (config.open || options.open) panel.open();
  return {
    chat,
    panel,
    config,
    remove: () => {
      unmounted.abort();
      chat.events = undefined; // nothing of this customer's reaches the page any more
      chat.close();
      chat.attention?.setUnread(0); // the tab's title is the page's own again
      host.remove();
    },
  };
}

const current = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
const start = () => {
  window.AiccChat = new PageApi((options, hooks) => mount(current, options, hooks), storage());
};
if (document.body) start();
else document.addEventListener('DOMContentLoaded', start, { once: true });
