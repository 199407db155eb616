// The satisfaction survey at the end of a conversation (docs/aicc.md §5: "at the end the satisfaction survey"):
// AICC's own form (its levels, and the FCR and NPS questions when it asks them) as native radio groups, so the
// keyboard works as everywhere (Tab between groups, arrows within one). Sent once; a thank-you replaces it.

import type { Survey, SurveyAnswer } from '../protocol/index.js';
import { h } from './dom.js';
import type { Strings } from './i18n.js';

let forms = 0;

/** The survey as a form; `submit` rejects with the words to show, `skip` drops it. */
export function surveyForm(survey: Survey, t: Strings, submit: (answer: SurveyAnswer) => Promise<void>, skip: () => void): HTMLElement {
  const id = `aicc-survey-${++forms}`;
  const group = (name: string, legend: string, options: { value: string; label: string }[]) =>
    h(
      'fieldset',
      { class: `survey-group survey-${name}` },
      h('legend', {}, legend),
      h(
        'div',
        { class: 'survey-options' },
        ...options.map((option) =>
          h('label', { class: 'survey-option' }, h('input', { type: 'radio', name: `${id}-${name}`, value: option.value }), h('span', {}, option.label)),
        ),
      ),
    );
  const levels = [...survey.levels].sort((a, b) => b.key - a.key);
  const fields: HTMLElement[] = [group('level', t.surveyLevel, levels.map((l) => ({ value: String(l.key), label: l.label || String(l.key) })))];
  if (survey.questions.includes('FCR')) {
    fields.push(group('resolved', t.surveyResolved, [{ value: 'yes', label: t.yes }, { value: 'no', label: t.no }]));
  }
  if (survey.questions.includes('NPS')) {
    fields.push(group('nps', t.surveyNps, Array.from({ length: 10 }, (_, i) => ({ value: String(i), label: String(i) }))));
  }
  const comment = h('textarea', { class: 'survey-comment', id: `${id}-comment`, rows: '2', maxlength: '511' });
  const error = h('p', { class: 'survey-error', role: 'alert', hidden: true });
  const send = h('button', { type: 'submit', class: 'survey-send' }, t.surveySend);
  const skipButton = h('button', { type: 'button', class: 'survey-skip' }, t.surveySkip);
  const form = h(
    'form',
    { class: 'survey-form', 'aria-labelledby': `${id}-title` },
    ...fields,
    h('label', { class: 'survey-comment-label', for: `${id}-comment` }, t.surveyComment),
    comment,
    error,
    h('div', { class: 'survey-actions' }, skipButton, send),
  );
  const root = h('section', { class: 'survey', 'aria-labelledby': `${id}-title` }, h('h3', { id: `${id}-title` }, t.surveyTitle), form);

  const chosen = (name: string) => form.querySelector<HTMLInputElement>(`input[name="${id}-${name}"]:checked`)?.value;
  skipButton.addEventListener('click', () => skip());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const level = chosen('level');
    if (level === undefined) {
      error.textContent = t.surveyPickLevel;
      error.hidden = false;
      form.querySelector<HTMLInputElement>(`input[name="${id}-level"]`)?.focus();
      return;
    }
    const answer: SurveyAnswer = { evaluation: Number(level) };
    const text = comment.value.trim();
    if (text) answer.comment = text;
    const resolved = chosen('resolved');
    if (resolved !== undefined) answer.resolved = resolved === 'yes';
    const nps = chosen('nps');
    if (nps !== undefined) answer.npsScore = Number(nps);
    error.hidden = true;
    send.disabled = true;
    submit(answer).then(
      () => thank(root, t),
      (reason: unknown) => {
        send.disabled = false;
        error.textContent = reason instanceof Error ? reason.message : String(reason);
        error.hidden = false;
      },
    );
  });
  return root;
}

/** The form answered (here or in another tab): a thank-you in its place, announced. */
export function thank(root: HTMLElement, t: Strings): void {
  const focused = root.contains(root.ownerDocument.activeElement) || root.contains((root.getRootNode() as ShadowRoot).activeElement ?? null);
  const thanks = h('p', { class: 'survey-thanks', role: 'status', tabindex: '-1' }, t.surveyThanks);
  root.replaceChildren(thanks);
  if (focused) thanks.focus();
}
