// The first words in the panel, before the customer writes: the site's greeting (or ours, per language), and,
// when the gateway has heard that no agent works now (AICC's resultCode 12) or the conversation is offline,
// a note saying so with a form to leave a message (POST /v1/leave-message).

import { h } from './dom.js';
import type { Strings } from './i18n.js';

export class Greeting {
  readonly root: HTMLDivElement;
  readonly #away: HTMLDivElement;
  readonly #form: HTMLFormElement;
  readonly #text: HTMLTextAreaElement;
  readonly #phone: HTMLInputElement;
  readonly #thanks: HTMLParagraphElement;
  readonly #error: HTMLParagraphElement;

  constructor(
    private readonly t: Strings,
    greeting: string,
    /** Sends the message; rejects with the words to show when it could not. */
    private readonly leave: (message: string, phone: string) => Promise<void>,
  ) {
    const offer = h('button', { type: 'button', class: 'leave-offer' }, t.leaveMessage);
    this.#text = h('textarea', { class: 'leave-text', rows: '3', maxlength: '2000', required: true, 'aria-label': t.leaveMessageText, placeholder: t.leaveMessageText });
    // AICC's leave message takes the caller's number, required (docs/aicc.md §5, doLeaveMessage).
    this.#phone = h('input', { class: 'leave-phone', type: 'tel', maxlength: '32', required: true, pattern: '\\+?[0-9][0-9 ()\\-]*', autocomplete: 'tel', 'aria-label': t.leavePhone, placeholder: t.leavePhone });
    this.#error = h('p', { class: 'leave-error', role: 'alert', hidden: true });
    this.#form = h('form', { class: 'leave', hidden: true }, this.#text, this.#phone, this.#error, h('button', { type: 'submit', class: 'leave-send' }, t.leaveSend));
    this.#thanks = h('p', { class: 'leave-thanks', role: 'status', hidden: true }, t.leaveThanks);
    this.#away = h('div', { class: 'away', hidden: true }, h('p', { class: 'away-text' }, t.agentsAway), offer, this.#form, this.#thanks);
    this.root = h('div', { class: 'greeting' }, h('p', { class: 'greeting-text' }, greeting), this.#away);

    offer.addEventListener('click', () => {
      offer.hidden = true;
      this.#form.hidden = false;
      this.#text.focus();
    });
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
  }

  /** The number the pre-chat form asked for: the leave-message form starts with it. */
  setPhone(phone: string): void {
    if (!this.#phone.value) this.#phone.value = phone;
  }

  /** Whether to say that no agent works now, and offer to leave a message. */
  setAgentsAway(away: boolean): void {
    this.#away.hidden = !away;
  }

  async #submit(): Promise<void> {
    const message = this.#text.value.trim();
    if (!message || !this.#form.reportValidity()) return;
    const button = this.#form.querySelector('button')!;
    button.disabled = true;
    this.#error.hidden = true;
    try {
      await this.leave(message, this.#phone.value.trim());
      this.#form.hidden = true;
      this.#thanks.hidden = false;
    } catch (error) {
      this.#error.textContent = error instanceof Error ? error.message : String(error);
      this.#error.hidden = false;
    } finally {
      button.disabled = false;
    }
  }
}
