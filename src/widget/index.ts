// The embeddable chat widget: `<script src="https://<gateway>/widget.js" defer></script>` adds a launcher and a
// chat panel to the page, inside a shadow root so that the host page's styles and ours never meet.
// Attributes: data-gateway, data-color, data-position (left|right), data-title, data-lang (en|zh-CN),
// data-token, data-open. `window.AiccChatConfig = { getToken }` (set before the script) supplies tokens from
// the host's backend. `window.AiccChat` opens, closes and toggles it.

import { Attention } from './attention.js';
import { Chat } from './chat.js';
import { readConfig, type HostSettings } from './config.js';
import { stringsFor } from './i18n.js';
import { Greeting } from './greeting.js';
import { Panel } from './panel.js';
import { Session } from './session.js';

declare const __WIDGET_CSS_VERSION__: string;

interface WidgetApi {
  open(): void;
  close(): void;
  toggle(): void;
}

declare global {
  interface Window {
    AiccChatConfig?: HostSettings;
    AiccChat?: WidgetApi;
  }
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // blocked (third-party storage settings): the conversation lasts as long as the page
  }
}

function mount(script: HTMLScriptElement | null): void {
  const config = readConfig(script, location.href, navigator.languages ?? [navigator.language], window.AiccChatConfig);
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

  const session = new Session(config.gateway, { token: config.token, getToken: config.getToken }, storage());
  const chat = new Chat(config, t, session, storage());
  const panel = new Panel(t, config.title ?? t.title, config.position, config.lang, {
    opened: () => chat.opened(),
    sendText: (text) => chat.sendText(text),
    sendFile: (file) => chat.sendFile(file),
    sendLocation: () => chat.sendLocation(),
    askForHuman: () => chat.askForHuman(),
    typing: () => chat.typing(),
    newConversation: () => chat.newConversation(),
    loadEarlier: () => chat.loadEarlier(),
    suggest: (text) => chat.suggest(text),
  });
  chat.panel = panel;
  chat.greeting = new Greeting(t, config.greeting ?? t.greeting, (message, phone) => chat.leaveMessage(message, phone));
  panel.setIntro(chat.greeting.root);
  chat.attention = new Attention(t, { notifications: config.notifications, sound: config.sound, openChat: () => panel.open() });
  // A click of the customer's anywhere in the widget: the one moment a browser lets us ask for notifications.
  panel.root.addEventListener('click', () => chat.attention?.askPermission());
  shadow.append(css, panel.root);
  document.body.appendChild(host);
  chat.boot();
  window.AiccChat = { open: () => panel.open(), close: () => panel.close(), toggle: () => (panel.isOpen ? panel.close() : panel.open()) };
  if (config.open) panel.open();
}

const current = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
if (document.body) mount(current);
else document.addEventListener('DOMContentLoaded', () => mount(current), { once: true });
