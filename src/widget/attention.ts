// Getting the customer's attention when the agent or bot writes while the chat is out of sight (panel closed,
// or tab hidden): the tab title counts what is unread (`(2) New message · Shop`, restored once read), and, when
// the site enables it and the customer allows it, a browser notification with the sender and a preview that
// opens the chat; an optional chime. Permission is asked only from a click of the customer's.

import type { Strings } from './i18n.js';

export interface AttentionOptions {
  notifications: boolean;
  sound: boolean;
  /** Opens the chat (a click on a notification). */
  openChat(): void;
}

/** The longest preview a notification shows. */
const PREVIEW_CHARS = 100;

export class Attention {
  #baseTitle: string | undefined;
  #unread = 0;
  #audio: AudioContext | undefined;

  constructor(
    private readonly t: Strings,
    private readonly options: AttentionOptions,
  ) {}

  /** From a click of the customer's (browsers ask for permission only then): asks once, if the site enables it. */
  askPermission(): void {
    if (!this.options.notifications || typeof Notification === 'undefined' || Notification.permission !== 'default') return;
    void Notification.requestPermission().catch(() => undefined);
  }

  /** The unread count changed: the tab title says so, or is the page's own again. */
  setUnread(count: number): void {
    if (count === this.#unread) return;
    if (this.#unread === 0) this.#baseTitle = document.title;
    this.#unread = count;
    const base = this.#baseTitle ?? '';
    document.title = count > 0 ? `${this.t.newMessageTitle(count)} · ${base}` : base;
    if (count === 0) this.#baseTitle = undefined;
  }

  /** A message from `who` arrived while the chat was out of sight. */
  arrived(who: string, preview: string): void {
    if (this.options.sound) this.#chime();
    if (!this.options.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    try {
      const shown = new Notification(who, { body: preview.slice(0, PREVIEW_CHARS), tag: 'aicc-chat' });
      shown.onclick = () => {
        window.focus();
        this.options.openChat();
        shown.close();
      };
    } catch {
      // Some browsers (Android Chrome) allow notifications only from a service worker: the title still counts.
    }
  }

  /** Two soft notes, made on the spot: no sound file to host or fetch. */
  #chime(): void {
    try {
      this.#audio ??= new AudioContext();
      const context = this.#audio;
      const gain = context.createGain();
      gain.connect(context.destination);
      gain.gain.setValueAtTime(0.0001, context.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.08, context.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
      for (const [frequency, at] of [[880, 0], [1320, 0.12]] as const) {
        const note = context.createOscillator();
        note.frequency.value = frequency;
        note.connect(gain);
        note.start(context.currentTime + at);
        note.stop(context.currentTime + at + 0.2);
      }
    } catch {
      // No audio here (or not allowed before a gesture): silence.
    }
  }
}
