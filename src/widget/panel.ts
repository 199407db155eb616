// The widget's shell: the launcher with its unread badge, the panel (header, banners, the message log, the
// typing indicator, suggestions, the composer) and the image viewer. It knows nothing of the gateway: the chat
// controller (chat.ts) tells it what to show and hears what the customer does through `PanelActions`.

import { TEXT_MAX_BYTES, textBytes, UPLOAD_EXTENSIONS, uploadType } from '../client/limits.js';
import { confirmBox } from './confirm.js';
import { h, icon } from './dom.js';
import type { Strings } from './i18n.js';
import { Typeahead } from './typeahead.js';

/** From how few bytes left the composer starts counting them aloud. */
const COUNT_FROM_BYTES_LEFT = 200;

export interface PanelActions {
  opened(): void;
  closed(): void;
  sendText(text: string): void;
  sendFile(file: File): void;
  sendLocation(): void;
  askForHuman(): void;
  typing(): void;
  newConversation(): void;
  /** The customer confirmed "End chat". */
  endChat(): void;
  /** The customer asked for the conversation as a text file. */
  transcript(): void;
  loadEarlier(): void;
  /** The robot's suggestions for what the customer has typed so far (none when not talking to the robot). */
  suggest(text: string): Promise<string[]>;
}

export class Panel {
  readonly root: HTMLDivElement;
  readonly log: HTMLOListElement;
  readonly #launcher: HTMLButtonElement;
  readonly #badge: HTMLSpanElement;
  readonly #panel: HTMLElement;
  readonly #scroll: HTMLDivElement;
  readonly #connBanner: HTMLDivElement;
  readonly #stateBanner: HTMLDivElement;
  readonly #typing: HTMLDivElement;
  readonly #typingText: HTMLSpanElement;
  readonly #suggestions: HTMLDivElement;
  readonly #endedBar: HTMLDivElement;
  readonly #input: HTMLTextAreaElement;
  readonly #typeahead: Typeahead;
  readonly #composer: HTMLFormElement;
  readonly #human: HTMLButtonElement;
  readonly #end: HTMLButtonElement;
  readonly #limit: HTMLParagraphElement;
  readonly #preview: HTMLDivElement;
  #surveyNode: HTMLElement | undefined;
  readonly #earlier: HTMLButtonElement;
  readonly #live: HTMLDivElement;
  readonly #lightbox: HTMLDivElement;
  readonly #lightboxImg: HTMLImageElement;
  /** Where the page's focus was when the panel opened without our launcher (the page's own button). */
  #opener: HTMLElement | undefined;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #toastTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly t: Strings,
    title: string,
    position: 'left' | 'right',
    lang: string,
    private readonly actions: PanelActions,
  ) {
    this.#badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.#launcher = h('button', { type: 'button', class: 'launcher', 'aria-label': t.open, 'aria-expanded': 'false', 'aria-controls': 'aicc-panel' }, icon('chat', 26), this.#badge);
    this.#human = h('button', { type: 'button', class: 'icon-btn human', title: t.human, 'aria-label': t.human }, icon('person'));
    const close = h('button', { type: 'button', class: 'icon-btn close', title: t.close, 'aria-label': t.close }, icon('close'));
    this.#end = h('button', { type: 'button', class: 'end-chat', hidden: true }, t.endChat);
    // A div, not a <header>: the host page has its own banner landmark, and a page should have one only.
    const header = h(
      'div',
      { class: 'head' },
      h('span', { class: 'head-logo', 'aria-hidden': 'true' }, icon('chat', 20)),
      h('div', { class: 'head-text' }, h('h2', { id: 'aicc-title' }, title), h('p', { class: 'subtitle' }, t.subtitle)),
      this.#human,
      this.#end,
      close,
    );
    this.#connBanner = h('div', { class: 'banner banner-conn', role: 'status', hidden: true });
    this.#stateBanner = h('div', { class: 'banner banner-state', role: 'status', hidden: true });
    this.#earlier = h('button', { type: 'button', class: 'earlier', hidden: true }, t.earlier);
    this.log = h('ol', { class: 'log', 'aria-label': t.messages });
    this.#typingText = h('span', { class: 'typing-text' });
    this.#typing = h('div', { class: 'typing', hidden: true }, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), this.#typingText);
    this.#scroll = h('div', { class: 'scroll', tabindex: '0', 'aria-label': t.messages }, this.#earlier, this.log, this.#typing);
    this.#suggestions = h('div', { class: 'suggestions', role: 'group', 'aria-label': t.suggestions, hidden: true });
    const restart = h('button', { type: 'button', class: 'restart' }, t.newConversation);
    const transcript = h('button', { type: 'button', class: 'transcript' }, t.transcript);
    this.#endedBar = h('div', { class: 'ended-bar', hidden: true }, restart, transcript);
    this.#input = h('textarea', { rows: '1', class: 'input', placeholder: t.placeholder, 'aria-label': t.placeholder, maxlength: '1000', enterkeyhint: 'send' });
    this.#typeahead = new Typeahead(this.#input, t, (text) => actions.suggest(text), () => this.#grow());
    const file = h('input', { type: 'file', class: 'file', hidden: true, accept: UPLOAD_EXTENSIONS.map((extension) => `.${extension}`).join(','), tabindex: '-1' });
    const attach = h('button', { type: 'button', class: 'icon-btn attach', title: t.attach, 'aria-label': t.attach }, icon('attach'));
    const locate = h('button', { type: 'button', class: 'icon-btn locate', title: t.location, 'aria-label': t.location }, icon('pin'));
    const send = h('button', { type: 'submit', class: 'send', title: t.send, 'aria-label': t.send }, icon('send'));
    this.#composer = h('form', { class: 'composer' }, attach, locate, file, this.#input, send);
    // What the composer holds against AICC's 1 KB: said near the limit, and why sending waits when over it.
    this.#limit = h('p', { class: 'limit', id: 'aicc-limit', role: 'status', hidden: true });
    this.#preview = h('div', { class: 'preview', hidden: true });
    this.#live = h('div', { class: 'sr', 'aria-live': 'polite', 'aria-atomic': 'false' });
    this.#panel = h(
      'section',
      { class: 'panel', id: 'aicc-panel', role: 'dialog', 'aria-labelledby': 'aicc-title', hidden: true },
      header,
      h('div', { class: 'banners' }, this.#connBanner, this.#stateBanner),
      this.#scroll,
      this.#suggestions,
      this.#endedBar,
      this.#preview,
      this.#limit,
      this.#composer,
      this.#typeahead.root,
      this.#live,
    );
    this.#lightboxImg = h('img', { alt: '' });
    const lightboxClose = h('button', { type: 'button', class: 'icon-btn lightbox-close', 'aria-label': t.closeImage }, icon('close', 24));
    this.#lightbox = h('div', { class: 'lightbox', role: 'dialog', 'aria-modal': 'true', 'aria-label': t.image, hidden: true }, lightboxClose, this.#lightboxImg);
    this.root = h('div', { class: `root pos-${position}`, lang }, this.#launcher, this.#panel, this.#lightbox);

    this.#launcher.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    close.addEventListener('click', () => this.close());
    this.#human.addEventListener('click', () => actions.askForHuman());
    restart.addEventListener('click', () => actions.newConversation());
    transcript.addEventListener('click', () => actions.transcript());
    this.#end.addEventListener('click', () => this.#confirmEnd());
    this.#earlier.addEventListener('click', () => actions.loadEarlier());
    attach.addEventListener('click', () => file.click());
    locate.addEventListener('click', () => actions.sendLocation());
    if (typeof navigator === 'undefined' || !navigator.geolocation) locate.hidden = true;
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) this.#offerFile(chosen);
    });
    // Pictures pasted into the composer or dropped on the panel go the same way as a chosen file.
    this.#input.addEventListener('paste', (event) => {
      const pasted = event.clipboardData?.files?.[0];
      if (!pasted) return;
      event.preventDefault();
      this.#offerFile(pasted);
    });
    this.#composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#input.addEventListener('keydown', (event) => {
      if (this.#typeahead.key(event)) return;
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      }
    });
    this.#input.addEventListener('input', () => {
      this.#grow();
      this.#count();
      if (this.#input.value.trim()) actions.typing();
    });
    this.#panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        this.close();
      }
    });
    this.#panel.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files') || this.#input.disabled) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    this.#panel.addEventListener('drop', (event) => {
      const dropped = event.dataTransfer?.files?.[0];
      if (!dropped) return;
      event.preventDefault();
      if (!this.#input.disabled) this.#offerFile(dropped);
    });
    lightboxClose.addEventListener('click', () => this.#closeLightbox());
    this.#lightbox.addEventListener('click', (event) => event.target === this.#lightbox && this.#closeLightbox());
    this.#lightbox.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        this.#closeLightbox();
      }
    });
  }

  get isOpen(): boolean {
    return !this.#panel.hidden;
  }

  open(): void {
    if (this.isOpen) return;
    const active = document.activeElement;
    this.#opener = this.#launcher.hidden && active instanceof HTMLElement && active !== document.body ? active : undefined;
    this.#panel.hidden = false;
    this.root.classList.add('open');
    this.#launcher.setAttribute('aria-expanded', 'true');
    this.#launcher.setAttribute('aria-label', this.t.close);
    this.scrollToEnd();
    (this.#input.disabled ? this.#panel.querySelector<HTMLElement>('.close') : this.#input)?.focus();
    this.actions.opened();
  }

  close(): void {
    if (!this.isOpen) return;
    this.#panel.hidden = true;
    this.root.classList.remove('open');
    this.#launcher.setAttribute('aria-expanded', 'false');
    this.#launcher.setAttribute('aria-label', this.t.open);
    if (!this.#launcher.hidden) this.#launcher.focus();
    else if (this.#opener?.isConnected) this.#opener.focus();
    this.#opener = undefined;
    this.actions.closed();
  }

  /** The round launcher, or none when the page opens the chat from its own button. */
  setLauncher(visible: boolean): void {
    this.#launcher.hidden = !visible;
  }

  #submit(): void {
    const text = this.#input.value.trim();
    if (!text || this.#input.disabled) return;
    if (textBytes(text) > TEXT_MAX_BYTES) {
      // Said already (the counter); said again for whoever pressed Enter without hearing it.
      this.#count();
      this.#input.focus();
      return;
    }
    this.#typeahead.close();
    this.#input.value = '';
    this.#grow();
    this.#count();
    this.actions.sendText(text);
  }

  /** The bytes AICC would count, said when few are left or too many are written; over the limit, sending waits. */
  #count(): void {
    const left = TEXT_MAX_BYTES - textBytes(this.#input.value.trim());
    const over = left < 0;
    this.#limit.hidden = left >= COUNT_FROM_BYTES_LEFT;
    this.#limit.textContent = over ? this.t.overLimit(-left) : left < COUNT_FROM_BYTES_LEFT ? this.t.nearLimit(left) : '';
    this.#limit.classList.toggle('over', over);
    if (over) {
      this.#input.setAttribute('aria-invalid', 'true');
      this.#input.setAttribute('aria-describedby', 'aicc-limit');
    } else {
      this.#input.removeAttribute('aria-invalid');
      this.#input.removeAttribute('aria-describedby');
    }
    this.#composer.querySelector<HTMLButtonElement>('.send')!.classList.toggle('over', over);
  }

  /** A file the customer chose, pasted or dropped: refused by name when AICC would not take it, else previewed. */
  #offerFile(file: File): void {
    if (!uploadType(file)) {
      this.toast(this.t.fileRefused(file.name));
      this.announce(this.t.fileRefused(file.name));
      return;
    }
    const picture = file.type.startsWith('image/') && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined;
    const send = h('button', { type: 'button', class: 'preview-send' }, this.t.previewSend);
    const cancel = h('button', { type: 'button', class: 'preview-cancel' }, this.t.previewCancel);
    const done = () => {
      if (picture) URL.revokeObjectURL(picture);
      this.#preview.hidden = true;
      this.#preview.replaceChildren();
      this.focusInput();
    };
    this.#preview.replaceChildren(
      h(
        'div',
        { class: 'preview-box', role: 'group', 'aria-label': this.t.previewTitle },
        picture ? h('img', { src: picture, alt: file.name }) : h('span', { class: 'preview-icon', 'aria-hidden': 'true' }, '📎'),
        h('span', { class: 'preview-name' }, file.name),
        h('span', { class: 'preview-actions' }, cancel, send),
      ),
    );
    this.#preview.hidden = false;
    cancel.addEventListener('click', done);
    send.addEventListener('click', () => {
      done();
      this.actions.sendFile(file);
    });
    send.focus();
  }

  /** "End chat" asks first; the answer "no" leaves everything as it was. */
  #confirmEnd(): void {
    if (this.#panel.querySelector('.confirm')) return;
    const box = confirmBox(this.t.endQuestion, this.t.endYes, this.t.endNo, () => this.actions.endChat(), () => this.focusInput());
    this.#composer.before(box);
  }

  /** Whether "End chat" is offered: while a conversation is under way. */
  setCanEnd(canEnd: boolean): void {
    this.#end.hidden = !canEnd;
    if (!canEnd) this.#panel.querySelector('.confirm')?.remove();
  }

  /** The pre-chat form above the conversation, the composer locked meanwhile; undefined removes it. */
  setPreChat(node: HTMLElement | undefined): void {
    this.#scroll.querySelector('.prechat')?.remove();
    if (node) {
      this.log.before(node);
      this.setCanSend(false, false, false);
      this.#input.placeholder = this.t.prechatFirst;
      this.#fitPlaceholder();
      node.querySelector<HTMLElement>('input')?.focus();
    }
  }

  /** The survey (or its thank-you) below the conversation; undefined removes it. */
  setSurvey(node: HTMLElement | undefined): void {
    if (this.#surveyNode === node) return;
    this.#surveyNode?.remove();
    this.#surveyNode = node;
    if (node) {
      this.#typing.before(node);
      this.scrollToEnd();
    }
  }

  /** Tall enough for the longer words that say why the composer is locked (a textarea's placeholder wraps, and
   *  was clipped). */
  #fitPlaceholder(): void {
    if (this.#input.value) return;
    // Two rows, by the textarea's own sizing: measuring now could happen before the stylesheet is in.
    this.#input.rows = 2;
    this.#input.style.removeProperty('height');
  }

  #grow(): void {
    this.#input.style.height = 'auto';
    this.#input.style.height = `${Math.min(this.#input.scrollHeight, 120)}px`;
  }

  setUnread(count: number): void {
    this.#badge.hidden = count === 0;
    this.#badge.textContent = count > 99 ? '99+' : String(count);
    this.#launcher.setAttribute('aria-label', count > 0 && !this.isOpen ? `${this.t.open} · ${this.t.unread(count)}` : this.isOpen ? this.t.close : this.t.open);
  }

  setConnectionBanner(text: string | undefined): void {
    this.#connBanner.hidden = text === undefined;
    this.#connBanner.textContent = text ?? '';
  }

  setStateBanner(text: string | undefined, kind: string): void {
    this.#stateBanner.hidden = text === undefined;
    this.#stateBanner.textContent = text ?? '';
    this.#stateBanner.dataset.kind = kind;
  }

  /** Whether the customer may write; when not, the bar that starts a new conversation. */
  setCanSend(canSend: boolean, ended: boolean, showHuman: boolean): void {
    this.#input.disabled = !canSend;
    for (const control of this.#composer.querySelectorAll('button')) control.disabled = !canSend;
    this.#composer.classList.toggle('disabled', !canSend);
    this.#input.placeholder = canSend ? this.t.placeholder : this.t.cannotWrite;
    if (!canSend) this.#fitPlaceholder();
    else if (this.#input.rows !== 1) {
      this.#input.rows = 1;
      this.#grow();
    }
    this.#endedBar.hidden = !(ended && !canSend);
    this.#human.hidden = !showHuman;
  }

  /** Suggestions while typing: on only while the robot answers. */
  setTypeahead(enabled: boolean): void {
    this.#typeahead.setEnabled(enabled);
  }

  focusInput(): void {
    this.#input.focus();
  }

  /** Shows the bar that starts a new conversation, focused (a Retry after the end points there). */
  focusRestart(): void {
    this.#endedBar.hidden = false;
    this.#endedBar.querySelector<HTMLButtonElement>('.restart')?.focus();
  }

  showTyping(text: string): void {
    this.#typingText.textContent = text;
    const atEnd = this.#nearEnd();
    this.#typing.hidden = false;
    if (atEnd) this.scrollToEnd();
    clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => this.hideTyping(), 8000);
  }

  hideTyping(): void {
    clearTimeout(this.#typingTimer);
    this.#typing.hidden = true;
  }

  setSuggestions(questions: string[]): void {
    this.#suggestions.replaceChildren(
      ...questions.map((q) => {
        const chip = h('button', { type: 'button', class: 'chip' }, q);
        chip.addEventListener('click', () => this.actions.sendText(q));
        return chip;
      }),
    );
    this.#suggestions.hidden = questions.length === 0;
  }

  /** What the panel shows above the conversation (the greeting). */
  setIntro(node: HTMLElement): void {
    this.#scroll.insertBefore(node, this.log);
  }

  setEarlier(visible: boolean): void {
    this.#earlier.hidden = !visible;
  }

  /**
   * Puts an entry in the log in seq order. One of this page's not stored (still sending, or failed before the
   * gateway took it) stays where it was written: just after the seq its `data-after` names, the newest the log
   * had then; without one, at the end.
   */
  insert(node: HTMLElement, seq: number | undefined, scroll: boolean): void {
    const atEnd = this.#nearEnd();
    const place = seq ?? placeOf(node);
    let before: Element | null = null;
    for (const item of this.log.children) {
      if (placeOf(item as HTMLElement) > place) {
        before = item;
        break;
      }
    }
    this.log.insertBefore(node, before);
    for (const item of [node.previousElementSibling, node, node.nextElementSibling]) if (item) group(item as HTMLElement);
    if (scroll || atEnd) this.scrollToEnd();
  }

  announce(text: string): void {
    this.#live.append(h('p', {}, text));
    while (this.#live.childElementCount > 5) this.#live.firstElementChild?.remove();
  }

  toast(text: string): void {
    this.setConnectionBanner(text);
    clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => this.setConnectionBanner(undefined), 4000);
  }

  enlarge(src: string, alt: string): void {
    this.#lightboxImg.src = src;
    this.#lightboxImg.alt = alt;
    this.#lightbox.hidden = false;
    this.#lightbox.querySelector<HTMLElement>('.lightbox-close')?.focus();
  }

  #closeLightbox(): void {
    this.#lightbox.hidden = true;
    this.#lightboxImg.removeAttribute('src');
    this.focusInput();
  }

  #nearEnd(): boolean {
    const s = this.#scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollToEnd(): void {
    this.#scroll.scrollTop = this.#scroll.scrollHeight;
  }
}

/** Where a log item sorts: its seq; a message not stored, just after the seq it was written after; else last. */
function placeOf(node: HTMLElement): number {
  const { seq, after } = node.dataset;
  if (seq !== undefined) return Number(seq);
  return after !== undefined ? Number(after) + 0.5 : Infinity;
}

/** Messages of one author in a row show the name once (on the first) and the avatar once (on the last). */
function group(node: HTMLElement): void {
  const author = node.dataset.author;
  const same = (other: Element | null) => author !== undefined && (other as HTMLElement | null)?.dataset.author === author;
  node.classList.toggle('grouped', same(node.previousElementSibling));
  node.classList.toggle('followed', same(node.nextElementSibling));
}
