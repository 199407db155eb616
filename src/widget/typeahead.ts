// The robot's suggestions while the customer types (GET /v1/suggestions): asked once the typing pauses for
// DEBOUNCE_MS, shown under the input as a listbox the keyboard walks (↑ ↓, Enter picks, Escape closes) with the
// input keeping focus (aria-activedescendant). A pick fills the input; sending stays the customer's act.

import { h } from './dom.js';
import type { Strings } from './i18n.js';

const DEBOUNCE_MS = 250;
/** What is asked about: the start of a question is enough to suggest its end. */
const QUERY_MAX = 100;
const LIST_ID = 'aicc-typeahead';

export class Typeahead {
  readonly root: HTMLUListElement;
  /** A conversation starts with the robot (the widget's first state), so suggestions start on. */
  #enabled = true;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every ask and every close: an answer to an older ask is dropped. */
  #generation = 0;
  #options: string[] = [];
  #active = -1;

  constructor(
    private readonly input: HTMLTextAreaElement,
    t: Strings,
    private readonly lookup: (text: string) => Promise<string[]>,
    /** The input was filled with a pick (the composer resizes it). */
    private readonly filled: () => void,
  ) {
    this.root = h('ul', { class: 'typeahead', id: LIST_ID, role: 'listbox', 'aria-label': t.typeahead, hidden: true });
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', LIST_ID);
    input.addEventListener('input', () => this.#typed());
    input.addEventListener('blur', () => this.close());
  }

  /** Only while the robot answers: with an agent, or when the customer cannot write, nothing is suggested. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    if (!enabled) this.close();
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** A key pressed in the input: true when the list took it (the composer must then not act on it). */
  key(event: KeyboardEvent): boolean {
    if (!this.isOpen || event.isComposing) return false;
    switch (event.key) {
      case 'ArrowDown':
        this.#highlight(this.#active + 1 >= this.#options.length ? 0 : this.#active + 1);
        break;
      case 'ArrowUp':
        this.#highlight(this.#active <= 0 ? this.#options.length - 1 : this.#active - 1);
        break;
      case 'Enter':
        if (this.#active < 0 || event.shiftKey) return false;
        this.#pick(this.#options[this.#active]!);
        break;
      case 'Escape':
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#generation++;
    this.#show([]);
  }

  #typed(): void {
    clearTimeout(this.#timer);
    const text = this.input.value.trim().slice(0, QUERY_MAX);
    if (!this.#enabled || !text) return this.close();
    const generation = ++this.#generation;
    this.#timer = setTimeout(() => {
      this.lookup(text).then(
        (phrases) => {
          // Inside the widget's shadow root the document's activeElement is the host: ask the root.
          const focused = (this.input.getRootNode() as Document | ShadowRoot).activeElement === this.input;
          if (generation === this.#generation && focused) this.#show(phrases);
        },
        () => undefined, // no suggestions is no harm: the customer types on
      );
    }, DEBOUNCE_MS);
  }

  #show(phrases: string[]): void {
    this.#options = phrases;
    this.#active = -1;
    this.input.removeAttribute('aria-activedescendant');
    this.root.replaceChildren(
      ...phrases.map((phrase, i) => {
        const option = h('li', { class: 'typeahead-option', id: `${LIST_ID}-${i}`, role: 'option', 'aria-selected': 'false' }, phrase);
        // mousedown would move the focus out of the input (closing the list) before the click.
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => this.#pick(phrase));
        return option;
      }),
    );
    this.root.hidden = phrases.length === 0;
  }

  #highlight(index: number): void {
    this.#active = index;
    this.root.querySelectorAll('[role=option]').forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    this.input.setAttribute('aria-activedescendant', `${LIST_ID}-${index}`);
    this.root.children[index]?.scrollIntoView({ block: 'nearest' });
  }

  #pick(phrase: string): void {
    this.input.value = phrase;
    this.close();
    this.input.focus();
    this.filled();
  }
}
