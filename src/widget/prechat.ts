// The optional pre-chat form (data-prechat): name, e-mail and phone, asked before a new visitor's first message,
// as the site chose (which, and which are required). Native inputs with labels; the browser checks what is
// required and the e-mail's shape.

import type { PreChatField } from './config.js';
import { h } from './dom.js';
import type { Strings } from './i18n.js';

export interface PreChatAnswers {
  name?: string;
  email?: string;
  phone?: string;
}

export function preChatForm(fields: PreChatField[], t: Strings, done: (answers: PreChatAnswers) => void): HTMLElement {
  const labels = { name: t.prechatName, email: t.prechatEmail, phone: t.prechatPhone };
  const types = { name: 'text', email: 'email', phone: 'tel' };
  const autocomplete = { name: 'name', email: 'email', phone: 'tel' };
  const inputs = fields.map(({ field, required }) => ({
    field,
    input: h('input', {
      id: `aicc-prechat-${field}`, class: 'prechat-input', type: types[field], autocomplete: autocomplete[field], required, maxlength: field === 'phone' ? '32' : '64',
      ...(field === 'phone' ? { pattern: '\\+?[0-9][0-9 ()\\-]*' } : {}),
    }),
    required,
  }));
  const form = h(
    'form',
    { class: 'prechat', 'aria-labelledby': 'aicc-prechat-intro' },
    h('p', { id: 'aicc-prechat-intro', class: 'prechat-intro' }, t.prechatIntro),
    ...inputs.flatMap(({ field, input, required }) => [
      h('label', { for: input.id, class: 'prechat-label' }, required ? `${labels[field]} *` : labels[field]),
      input,
    ]),
    h('button', { type: 'submit', class: 'prechat-start' }, t.prechatStart),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const answers: PreChatAnswers = {};
    for (const { field, input } of inputs) if (input.value.trim()) answers[field] = input.value.trim();
    done(answers);
  });
  return form;
}

/** Where a browser keeps what it answered, per gateway: a reload or another tab does not ask again. */
const answersKey = (gateway: string) => `aicc-chat:${gateway}:prechat`;

export function keepAnswers(storage: Storage | undefined, gateway: string, answers: PreChatAnswers): void {
  try {
    storage?.setItem(answersKey(gateway), JSON.stringify(answers));
  } catch {
    // Storage full or blocked: the answers last as long as the page.
  }
}

/** What the pre-chat form was told on this browser, if anything. */
export function keptAnswers(storage: Storage | undefined, gateway: string): PreChatAnswers | undefined {
  try {
    const stored = storage?.getItem(answersKey(gateway));
    return stored ? (JSON.parse(stored) as PreChatAnswers) : undefined;
  } catch {
    return undefined;
  }
}
