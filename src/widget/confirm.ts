// A question the customer answers before something that cannot be undone (ending the conversation): an inline
// alert dialog in the panel, focus on the safe answer, Escape for "no", focus back where it was after.

import { h } from './dom.js';

let dialogs = 0;

export function confirmBox(question: string, yes: string, no: string, onYes: () => void, onDone: () => void): HTMLElement {
  const id = `aicc-confirm-${++dialogs}`;
  const yesButton = h('button', { type: 'button', class: 'confirm-yes' }, yes);
  const noButton = h('button', { type: 'button', class: 'confirm-no' }, no);
  const box = h(
    'div',
    { class: 'confirm', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': id },
    h('p', { id }, question),
    h('div', { class: 'confirm-actions' }, noButton, yesButton),
  );
  const close = () => {
    box.remove();
    onDone();
  };
  noButton.addEventListener('click', close);
  yesButton.addEventListener('click', () => {
    close();
    onYes();
  });
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    close();
  });
  queueMicrotask(() => noButton.focus());
  return box;
}
