// Thumbs up and down under a robot answer that carries an interIdx (POST /v1/robot-feedback). A thumbs down asks
// for a short reason first, since AICC requires one (at most 64 characters). Once rated, the answer says so and
// offers no rating again; what was rated is remembered (RatedAnswers) so a reload does not offer it either.

import { h, icon } from './dom.js';
import type { Strings } from './i18n.js';

/** AICC's limit on feedbackContent. */
const REASON_MAX = 64;
/** Ratings remembered per customer; older ones are forgotten (their answers are long out of sight). */
const REMEMBERED = 200;

export type Rated = 'up' | 'down';

export interface RatingHooks {
  /** How the customer rated the answer at `seq` before, if they did. */
  ratedAs(seq: number, interIdx: string): Rated | undefined;
  /** Sends the rating; rejects with the words to show. */
  rate(seq: number, interIdx: string, satisfied: boolean, comment?: string): Promise<void>;
}

/** The rating line of the robot answer at `seq`: buttons, the reason form, or the rating given. */
export function ratingControls(seq: number, interIdx: string, hooks: RatingHooks, t: Strings): HTMLElement {
  const root = h('div', { class: 'rating', role: 'group', 'aria-label': t.rateAnswer });
  const done = (rated: Rated) => {
    root.dataset.rated = rated;
    root.replaceChildren(
      h('span', { class: `rated rated-${rated}` }, icon(rated === 'up' ? 'thumbUp' : 'thumbDown', 16), h('span', { class: 'sr' }, rated === 'up' ? t.ratedUp : t.ratedDown)),
      h('span', { class: 'rated-text' }, t.rated),
    );
  };
  const send = (satisfied: boolean, comment: string | undefined, controls: HTMLElement[], error: HTMLElement) => {
    for (const control of controls) control.toggleAttribute('disabled', true);
    hooks.rate(seq, interIdx, satisfied, comment).then(
      () => done(satisfied ? 'up' : 'down'),
      (failure: Error) => {
        for (const control of controls) control.removeAttribute('disabled');
        error.textContent = failure.message;
        error.hidden = false;
      },
    );
  };
  const offer = () => {
    const error = h('span', { class: 'rate-error', role: 'alert', hidden: true });
    const up = h('button', { type: 'button', class: 'rate rate-up', 'aria-label': t.rateUp, title: t.rateUp }, icon('thumbUp', 16));
    const down = h('button', { type: 'button', class: 'rate rate-down', 'aria-label': t.rateDown, title: t.rateDown }, icon('thumbDown', 16));
    up.addEventListener('click', () => send(true, undefined, [up, down], error));
    down.addEventListener('click', () => askReason());
    root.replaceChildren(up, down, error);
  };
  const askReason = () => {
    const id = `aicc-reason-${seq}`;
    const error = h('span', { class: 'rate-error', role: 'alert', hidden: true });
    const input = h('input', { type: 'text', id, class: 'rate-reason', maxlength: String(REASON_MAX), required: true, autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'rate-send', disabled: true }, t.rateSend);
    const cancel = h('button', { type: 'button', class: 'rate-cancel' }, t.rateCancel);
    const form = h('form', { class: 'rate-form' }, h('label', { for: id }, t.rateReason), input, h('div', { class: 'rate-actions' }, cancel, submit), error);
    input.addEventListener('input', () => submit.toggleAttribute('disabled', input.value.trim() === ''));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = input.value.trim().slice(0, REASON_MAX);
      if (reason) send(false, reason, [input, submit, cancel], error);
    });
    cancel.addEventListener('click', () => offer());
    form.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation(); // the reason form closes, not the panel
      offer();
      root.querySelector<HTMLElement>('.rate-down')?.focus();
    });
    root.replaceChildren(form);
    input.focus();
  };
  const before = hooks.ratedAs(seq, interIdx);
  if (before) done(before);
  else offer();
  return root;
}

/** The answers this customer rated, kept in the widget's storage (by seq and interIdx) while it lasts. */
export class RatedAnswers {
  readonly #rated = new Map<string, Rated>();

  constructor(
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {
    try {
      const stored: unknown = JSON.parse(storage?.getItem(key) ?? '[]');
      if (Array.isArray(stored)) {
        for (const item of stored) {
          if (Array.isArray(item) && typeof item[0] === 'string' && (item[1] === 'up' || item[1] === 'down')) this.#rated.set(item[0], item[1]);
        }
      }
    } catch {
      // Storage disabled or not ours: nothing remembered.
    }
  }

  get(seq: number, interIdx: string): Rated | undefined {
    return this.#rated.get(`${seq}:${interIdx}`);
  }

  set(seq: number, interIdx: string, rated: Rated): void {
    this.#rated.delete(`${seq}:${interIdx}`);
    this.#rated.set(`${seq}:${interIdx}`, rated);
    while (this.#rated.size > REMEMBERED) this.#rated.delete(this.#rated.keys().next().value!);
    try {
      this.storage?.setItem(this.key, JSON.stringify([...this.#rated]));
    } catch {
      // Storage full or disabled: remembered for this page only.
    }
  }
}
