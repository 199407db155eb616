// The chat controller: connects the SDK (history on open, then the live stream resumed after it) to the panel,
// keeps each of the customer's messages' delivery (✓ sent, ✓✓ read, failed with Retry), the banners from the
// conversation state and the connection, the typing indicator, suggestions, and the unread badge.

import { GatewayClientError, type GatewayClient } from '../client/index.js';
import type { WidgetMessage } from '../client/widgetApi.js';
import type { ConversationState, MessageEntry, SendMessage } from '../protocol/index.js';
import { conversationClient, visitorsClosed } from './api.js';
import type { Attention } from './attention.js';
import { bodySummary, bubble, notice, renderDelivery, type BubbleContext } from './bubbles.js';
import type { WidgetConfig } from './config.js';
import { errorText, notSentText, type Strings } from './i18n.js';
import { answersCustomer, bannerOf, countsAsUnread, Deliveries, display, resendBody, type Body, type Display } from './model.js';
import type { Greeting } from './greeting.js';
import type { Panel } from './panel.js';
import { RatedAnswers } from './rating.js';
import { newClientMessageId, type Session } from './session.js';
import { keepAnswers, keptAnswers, preChatForm, type PreChatAnswers } from './prechat.js';
import { SurveyOffer } from './surveyOffer.js';
import { downloadTranscript } from './transcript.js';
import { SeenPosition } from './unread.js';

const HISTORY_PAGE = 100;
/** A media link is asked for again when it has less than this left (a page may load a picture a while after). */
const MEDIA_LINK_MARGIN_MS = 60_000;
const MEDIA_LINKS_KEPT = 500;

/** What the page hears of the conversation (src/widget/pageApi.ts relays it to `window.AiccChat` listeners). */
export interface ChatEvents {
  message(message: WidgetMessage): void;
  unread(count: number): void;
  state(state: ConversationState): void;
}

interface Pending {
  body: SendMessage;
  node: HTMLLIElement;
  /** Set for a file still to upload. */
  file?: File;
}

export class Chat {
  panel!: Panel;
  greeting: Greeting | undefined;
  attention: Attention | undefined;
  events: ChatEvents | undefined;
  #unread = 0;
  #stateKnown = false;
  /** Closed for good (the page reset the widget): a connect under way stops where it is. */
  #closed = false;
  /** The gateway heard from AICC that no agent works now (resultCode 12). */
  #agentsAway = false;
  /** The one SDK client: history, the stream, and everything the customer sends. */
  #client: GatewayClient | undefined;
  /** Signed media URLs by id, reused while they have a while left; the oldest go beyond MEDIA_LINKS_KEPT. */
  readonly #links = new Map<string, { url: Promise<string>; expiresAt: number }>();
  /** True once the stream was started: typing and read positions are worth sending only then. */
  #streaming = false;
  #token = '';
  #started: Promise<void> | undefined;
  readonly #entries = new Map<number, MessageEntry>();
  readonly #nodes = new Map<number, HTMLLIElement>();
  readonly #pending = new Map<string, Pending>();
  readonly #retrying = new Set<number>();
  readonly #deliveries = new Deliveries();
  #state: ConversationState = { phase: 'bot', canSend: true, seq: 0 };
  #queuePosition: number | null = null;
  #queueWaitSeconds: number | null = null;
  /** Messages written while the stream was lost: sent by themselves when it is back (same clientMessageId). */
  readonly #waiting = new Set<Pending>();
  /** AICC's survey at the end of each conversation, offered once. */
  #survey: SurveyOffer | undefined;
  #restarted = false;
  /** The pre-chat form is on screen; what it was told. */
  #asking = false;
  #answers: PreChatAnswers | undefined;
  #seen: SeenPosition | undefined;
  /** The robot answers this customer rated (known once the first history page says who the customer is). */
  #rated: RatedAnswers | undefined;
  #readSent = 0;
  #lastTyping = 0;
  #firstSeq = 0;
  #everConnected = false;
  /** The newest bubble: its suggestions are offered while the bot talks. */
  #lastBubble: { seq: number; suggestions: string[]; bot: boolean } | undefined;
  readonly #bubbles: BubbleContext;

  constructor(
    private readonly config: WidgetConfig,
    private readonly t: Strings,
    private readonly session: Session,
    private readonly storage: Storage | undefined,
  ) {
    this.#bubbles = {
      t,
      time: new Intl.DateTimeFormat(config.lang, { hour: '2-digit', minute: '2-digit' }),
      media: (id) => this.#mediaUrl(id),
      enlarge: (src, alt) => this.panel.enlarge(src, alt),
      rating: {
        ratedAs: (seq, interIdx) => this.#rated?.get(seq, interIdx),
        rate: (seq, interIdx, satisfied, comment) => this.#rate(seq, interIdx, satisfied, comment),
      },
    };
  }

  /** Connects now when the conversation can be resumed; a new visitor is created only when the panel opens. */
  boot(signal?: AbortSignal): void {
    const phone = this.#preChatAnswers()?.phone;
    if (phone) this.greeting?.setPhone(phone);
    // Back to a tab where the panel is open: what arrived meanwhile is seen now.
    document.addEventListener(
      'visibilitychange',
      () => {
        this.#markSeen(true);
        this.#refreshUnread();
      },
      { signal },
    );
    if (this.session.known) void this.start();
  }

  start(): Promise<void> {
    this.#started ??= this.#connect().catch((error: unknown) => {
      this.#started = undefined;
      if (visitorsClosed(error)) {
        // The gateway takes only customers the site signed in (VISITORS=off): say so rather than fail each message.
        this.panel.setConnectionBanner(this.t.signInToChat);
        this.panel.setCanSend(false, false, false);
        return;
      }
      this.panel.setConnectionBanner(this.t.cannotStart);
      console.warn('aicc-chat: could not start', error);
    });
    return this.#started;
  }

  #mediaUrl(id: string): Promise<string> {
    const known = this.#links.get(id);
    if (known && known.expiresAt - Date.now() > MEDIA_LINK_MARGIN_MS) return known.url;
    const client = this.#client;
    if (!client) return Promise.reject(new Error('not connected'));
    // Until the answer says otherwise, the link is taken as good for the margin (concurrent asks share it).
    const entry = { url: Promise.resolve(''), expiresAt: Date.now() + 2 * MEDIA_LINK_MARGIN_MS };
    entry.url = client.mediaLink(id).then((link) => {
      entry.expiresAt = link.expiresAt;
      return link.url;
    });
    entry.url.catch(() => {
      if (this.#links.get(id) === entry) this.#links.delete(id);
    });
    this.#links.delete(id);
    this.#links.set(id, entry);
    if (this.#links.size > MEDIA_LINKS_KEPT) this.#links.delete(this.#links.keys().next().value!);
    return entry.url;
  }

  async #connect(): Promise<void> {
    this.#token = await this.session.token();
    if (this.#closed) return;
    const fixed = this.config.token !== undefined && !this.config.getToken;
    const client = conversationClient(this.config.gateway, fixed ? { token: this.#token } : { token: this.#token, getToken: this.session.getToken });
    this.#client = client;
    const page = await client.history({ before: 'latest', limit: HISTORY_PAGE });
    if (this.#closed) return;
    this.#seen = new SeenPosition(this.storage, `aicc-chat:${this.config.gateway}:seen:${page.customerId}`);
    this.#rated = new RatedAnswers(this.storage, `aicc-chat:${this.config.gateway}:rated:${page.customerId}`);
    this.#firstSeq = page.firstSeq;
    this.#survey = new SurveyOffer(client, this.panel, this.t, this.config.lang, this.storage, `aicc-chat:${this.config.gateway}:survey-skipped:${page.customerId}`);
    for (const entry of page.messages) this.#apply(entry, false);
    this.panel.setEarlier(page.hasMore);
    const since = page.messages.length ? page.messages[page.messages.length - 1]!.seq : page.lastSeq;
    client.on('message', (entry) => this.#apply(entry, true));
    client.on('state', ({ state }) => this.#setState(state));
    client.on('queue', ({ position, estimateWaitSeconds }) => {
      this.#queuePosition = position;
      this.#queueWaitSeconds = estimateWaitSeconds;
      this.#renderBanner();
    });
    client.on('typing', ({ message }) => {
      if (message.sourceType === 'CUSTOMER') return;
      const name = typeof message.senderNickname === 'string' && message.senderNickname ? message.senderNickname : this.#state.agentNickname ?? this.t.agent;
      this.panel.showTyping(this.t.typing(name));
    });
    client.on('connected', () => {
      this.#everConnected = true;
      this.panel.setConnectionBanner(undefined);
      // The stream is back: what was written meanwhile goes now, each once (its clientMessageId dedupes).
      const waiting = [...this.#waiting];
      this.#waiting.clear();
      for (const entry of waiting) this.#submit(entry.body, entry.file);
    });
    client.on('disconnected', ({ willReconnect }) => {
      if (willReconnect) this.panel.setConnectionBanner(this.#everConnected ? this.t.reconnecting : this.t.connecting);
    });
    client.on('hello', () => {
      // The stream replays what the history page did not have; tokens may have been refreshed meanwhile.
      void this.session.token().then((token) => (this.#token = token));
    });
    client.connect(since);
    this.#streaming = true;
    // Before the customer writes: are agents at work? (Unknown, or no uplink: say nothing.)
    client.agents().then(
      ({ available }) => {
        this.#agentsAway = available === false;
        this.#renderAway();
      },
      () => undefined,
    );
    this.#refreshUnread();
    this.panel.scrollToEnd();
  }

  /** Closes the stream and everything else the client has open (the widget is being removed). */
  close(): void {
    this.#closed = true;
    this.session.close();
    this.#streaming = false;
    this.#client?.close();
  }

  get unread(): number {
    return this.#unread;
  }

  /** The conversation's state once the gateway told it; undefined before. */
  get state(): ConversationState | undefined {
    return this.#stateKnown ? this.#state : undefined;
  }

  /** One stored entry, from the history page or the stream; each seq once. */
  #apply(entry: MessageEntry, live: boolean): void {
    if (this.#entries.has(entry.seq)) return;
    this.#entries.set(entry.seq, entry);
    if (entry.message.controlType === 'SURVEY') this.#survey?.answered(Number(entry.message.refSeq));
    const shown = display(entry.message);
    switch (shown.kind) {
      case 'status':
      case 'read':
        if (shown.kind === 'status') this.#retrying.delete(shown.refSeq);
        for (const seq of this.#deliveries.apply(entry.seq, shown)) this.#renderDelivery(seq);
        return;
      case 'hidden':
        return;
      case 'notice':
        this.panel.insert(notice(entry.seq, shown, this.t), entry.seq, false);
        if (live) this.panel.announce(this.panel.log.lastElementChild?.textContent ?? '');
        break;
      case 'bubble':
        if (!this.#lastBubble || entry.seq > this.#lastBubble.seq) {
          this.#lastBubble = { seq: entry.seq, suggestions: shown.suggestions, bot: shown.author === 'bot' };
        }
        this.#addBubble(entry, shown, live);
        break;
    }
    this.#refreshSuggestions();
    this.#refreshUnread();
  }

  #addBubble(entry: MessageEntry, shown: Extract<Display, { kind: 'bubble' }>, live: boolean): void {
    const at = Number(entry.message.timestamp) || entry.storedAt;
    // Only the robot's answers are offered for rating, not its greeting (answersCustomer says which is which).
    const rateable = shown.interIdx !== undefined && answersCustomer(entry.seq, this.#entries.values());
    const node = bubble(entry.seq, rateable ? shown : { ...shown, interIdx: undefined }, at, this.#bubbles);
    if (shown.author === 'customer') {
      const pending = shown.messageCode ? this.#pending.get(shown.messageCode) : undefined;
      pending?.node.remove();
      if (shown.messageCode) this.#pending.delete(shown.messageCode);
      this.#deliveries.track(entry.seq, shown.messageCode);
      this.#nodes.set(entry.seq, node);
      this.panel.insert(node, entry.seq, live);
      this.#renderDelivery(entry.seq);
      this.#renderEnd();
      return;
    }
    this.panel.hideTyping();
    this.panel.insert(node, entry.seq, false);
    if (live) {
      const who = shown.nickname ?? (shown.author === 'bot' ? this.t.bot : this.t.agent);
      this.panel.announce(this.t.newMessage(who, bodySummary(shown.body, this.t)));
      this.#markSeen(true);
      if (!this.panel.isOpen || document.visibilityState === 'hidden') this.attention?.arrived(who, bodySummary(shown.body, this.t));
      const { body } = shown;
      this.events?.message({ seq: entry.seq, author: shown.author, nickname: shown.nickname, kind: body.kind, text: body.kind === 'text' ? body.text : undefined });
    }
  }

  #renderDelivery(seq: number): void {
    const node = this.#nodes.get(seq);
    if (!node) return;
    const { delivery, reason } = this.#retrying.has(seq) ? { delivery: 'sending' as const, reason: undefined } : this.#deliveries.of(seq);
    // The gateway's code, in the widget's language; the log's English reason only names it for operators.
    const why = delivery === 'failed' ? notSentText(this.t, this.#deliveries.errorCodeOf(seq)) ?? reason : undefined;
    renderDelivery(node, delivery, why, this.t, () => this.#retryStored(seq));
  }

  #setState(state: ConversationState): void {
    if (state.seq < this.#state.seq) return;
    if (state.phase !== 'ended') this.#restarted = false;
    // A customer coming back to a conversation that ended before this page: their first message starts a new
    // one (as "Start a new conversation" does), rather than a disabled input.
    else if (!this.#stateKnown) this.#restarted = true;
    this.#state = state;
    this.#stateKnown = true;
    this.events?.state(state);
    if (state.phase !== 'queuing') {
      this.#queuePosition = null;
      this.#queueWaitSeconds = null;
    }
    if (state.phase !== 'agent' && state.phase !== 'bot') this.panel.hideTyping();
    this.#renderBanner();
    this.#renderAway();
    this.#refreshSuggestions();
    this.#survey?.update(state, this.#entries.values());
  }

  // ---- the end: the customer's "End chat", and the survey whoever ended it ----

  /** The whole conversation as the customer saw it, from the gateway's history, as a text file to keep. */
  transcript(): void {
    if (!this.#client) return;
    downloadTranscript(this.#client, this.t, this.config.lang).catch((error: unknown) => this.panel.toast(errorText(this.t, error)));
  }

  endChat(): void {
    const client = this.#client;
    if (!client) return;
    client.end(newClientMessageId()).catch((error: unknown) => this.panel.toast(errorText(this.t, error)));
  }

  #renderAway(): void {
    const phase = this.#state.phase;
    this.greeting?.setAgentsAway(phase === 'offline' || (this.#agentsAway && phase !== 'agent' && phase !== 'ended'));
  }

  #renderBanner(): void {
    const banner = bannerOf(this.#state, this.#queuePosition);
    const text =
      banner?.kind === 'queuing'
        ? (banner.position && banner.position > 0 ? this.t.queuePosition(banner.position) : this.t.queuing) +
          (this.#queueWaitSeconds && this.#queueWaitSeconds > 0 ? ` · ${this.t.estimatedWait(Math.ceil(this.#queueWaitSeconds / 60))}` : '')
        : banner?.kind === 'agent'
          ? this.t.agentJoined(banner.name ?? this.t.agentFallback)
          : banner?.kind === 'ended'
            ? this.t.ended
            : banner?.kind === 'offline'
              ? this.t.offline
              : undefined;
    this.panel.setStateBanner(text, banner?.kind ?? 'none');
    const ended = this.#state.phase === 'ended';
    this.panel.setCanSend(this.#state.canSend || this.#restarted, ended, this.#state.phase === 'bot' || (ended && this.#restarted));
    this.panel.setTypeahead(this.#state.phase === 'bot' && this.#state.canSend);
    this.#renderEnd();
  }

  /** "End chat" while a conversation is under way at AICC: from the customer's first message until it ends. */
  #renderEnd(): void {
    const { phase, seq } = this.#state;
    // With the robot, the state says nothing of a conversation (the phase of none is `bot` too): the customer's
    // own messages since the state was set do.
    const wrote = () => [...this.#entries.values()].some((e) => e.seq >= seq && e.message.sourceType === 'CUSTOMER' && e.message.controlType === 'CHAT');
    this.panel.setCanEnd(phase === 'queuing' || phase === 'agent' || (phase === 'bot' && wrote()));
  }

  /** The suggestions of the bot's last message, while nothing was written after it and the bot still answers. */
  #refreshSuggestions(): void {
    const last = this.#lastBubble;
    this.panel.setSuggestions(this.#state.phase === 'bot' && last?.bot && this.#pending.size === 0 ? last.suggestions : []);
  }

  // ---- what the customer does ----

  opened(): void {
    if (this.#askBeforeStart()) return;
    void this.start().then(() => {
      this.#markSeen(true);
      this.#refreshUnread();
    });
  }

  newConversation(): void {
    this.#restarted = true;
    this.#survey?.dismiss();
    this.#renderBanner();
    this.panel.focusInput();
  }

  sendText(text: string): void {
    this.#submit({ clientMessageId: newClientMessageId(), kind: 'text', text: text.slice(0, 1000) });
  }

  sendFile(file: File): void {
    const body: SendMessage = { clientMessageId: newClientMessageId(), kind: 'file', objectKey: '', mediaType: 'DOCUMENT', fileName: file.name, size: file.size, fileType: '' };
    this.#submit(body, file);
  }

  sendLocation(): void {
    navigator.geolocation.getCurrentPosition(
      ({ coords }) =>
        this.#submit({
          clientMessageId: newClientMessageId(),
          kind: 'location',
          latitude: Math.round(coords.latitude * 1e6) / 1e6,
          longitude: Math.round(coords.longitude * 1e6) / 1e6,
          description: this.t.myLocation,
        }),
      () => this.panel.toast(this.t.locationFailed),
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 60_000 },
    );
  }

  // ---- the pre-chat form ----

  /** A new visitor, on a site that asks (data-prechat): the form first, and nothing starts until it is answered. */
  #askBeforeStart(): boolean {
    if (this.config.prechat.length === 0 || this.session.known || this.#preChatAnswers()) return false;
    if (!this.#asking) {
      this.#asking = true;
      this.panel.setPreChat(preChatForm(this.config.prechat, this.t, (answers) => this.#answered(answers)));
    }
    return true;
  }

  #answered(answers: PreChatAnswers): void {
    keepAnswers(this.storage, this.config.gateway, answers);
    this.#answers = answers;
    this.session.name = answers.name;
    if (answers.phone) this.greeting?.setPhone(answers.phone);
    this.panel.setPreChat(undefined);
    this.#renderBanner();
    this.panel.focusInput();
    this.opened();
  }

  /** What the pre-chat form was told on this browser, if anything. */
  #preChatAnswers(): PreChatAnswers | undefined {
    return (this.#answers ??= keptAnswers(this.storage, this.config.gateway));
  }

  /** POST /v1/leave-message; rejects with the words to show. The pre-chat form's e-mail goes with the message
   *  (AICC's leave message has no field for it), its phone is the form's first value. */
  async leaveMessage(message: string, phone: string): Promise<void> {
    const email = this.#preChatAnswers()?.email;
    try {
      await this.start();
      await this.#client!.leaveMessage(email ? `${message}\n${this.t.leftEmail(email)}` : message, phone);
    } catch (error) {
      throw new Error(errorText(this.t, error));
    }
  }

  /** GET /v1/suggestions, only while the robot answers (AICC suggests nothing otherwise). */
  suggest(text: string): Promise<string[]> {
    if (!this.#client || this.#state.phase !== 'bot') return Promise.resolve([]);
    return this.#client.suggestions(text, { locale: this.config.lang });
  }

  /** POST /v1/robot-feedback, remembered once AICC took it; rejects with the words to show. */
  async #rate(seq: number, interIdx: string, satisfied: boolean, comment: string | undefined): Promise<void> {
    try {
      await this.#client!.rateRobotAnswer(interIdx, comment === undefined ? { satisfied } : { satisfied, comment });
    } catch (error) {
      throw new Error(errorText(this.t, error));
    }
    this.#rated?.set(seq, interIdx, satisfied ? 'up' : 'down');
  }

  askForHuman(): void {
    void this.start()
      .then(() => this.#client!.transfer(newClientMessageId()))
      .catch((error: unknown) => this.panel.toast(errorText(this.t, error)));
  }

  typing(): void {
    const now = Date.now();
    if (now - this.#lastTyping < 3000 || !this.#streaming) return;
    this.#lastTyping = now;
    this.#client!.typing().catch(() => undefined);
  }

  /** Shows the message at once (sending), uploads its file if any, then POSTs it; a failure offers Retry. */
  #submit(body: SendMessage, file?: File): void {
    let pending = this.#pending.get(body.clientMessageId);
    if (!pending) {
      const preview: Body = body.kind === 'text' ? { kind: 'text', text: body.text } : body.kind === 'location' ? { ...body, kind: 'location' } : { kind: 'text', text: `📎 ${body.fileName}` };
      const node = bubble(undefined, { kind: 'bubble', author: 'customer', nickname: undefined, body: preview, suggestions: [], messageCode: body.clientMessageId, interIdx: undefined }, Date.now(), this.#bubbles);
      node.dataset.clientId = body.clientMessageId;
      // Written after the newest entry shown: it keeps that place, even if it fails before being stored.
      node.dataset.after = String(Math.max(0, ...this.#entries.keys()));
      pending = { body, node, file };
      this.#pending.set(body.clientMessageId, pending);
      this.panel.insert(node, undefined, true);
      this.panel.setSuggestions([]);
    }
    const entry = pending;
    renderDelivery(entry.node, 'sending', undefined, this.t, () => undefined);
    const go = async () => {
      await this.start();
      if (entry.file) {
        const upload = await this.#client!.upload(entry.file, entry.file.type || 'application/octet-stream', entry.file.name);
        entry.body = { clientMessageId: entry.body.clientMessageId, kind: 'file', ...upload };
        entry.file = undefined;
      }
      await this.#client!.send(entry.body);
    };
    go().catch((error: unknown) => {
      if (this.#pending.get(entry.body.clientMessageId) !== entry) return; // it reached the log meanwhile
      if (this.#lostConnection(error)) {
        // Not a refusal: the network. It waits for the stream to come back, then goes by itself.
        this.#waiting.add(entry);
        renderDelivery(entry.node, 'sending', this.t.waitingForConnection, this.t, () => undefined);
        return;
      }
      renderDelivery(entry.node, 'failed', errorText(this.t, error), this.t, () => this.#retryLocal(entry));
    });
  }

  /** A failure of the network rather than a refusal, while the stream is not connected (it will reconnect). */
  #lostConnection(error: unknown): boolean {
    const network = error instanceof GatewayClientError && error.code === 'HTTP' && error.status === undefined;
    return network && this.#client !== undefined && this.#client.connectionState !== 'connected' && this.#client.connectionState !== 'closed';
  }

  /** A conversation that ended takes no Retry: the customer chooses to start a new one first. */
  #endedForRetry(): boolean {
    if (this.#state.phase !== 'ended' || this.#restarted) return false;
    this.panel.toast(this.t.endedRetry);
    this.panel.focusRestart();
    return true;
  }

  #retryLocal(entry: Pending): void {
    if (this.#endedForRetry()) {
      renderDelivery(entry.node, 'failed', this.t.endedRetry, this.t, () => this.#retryLocal(entry));
      return;
    }
    this.#submit(entry.body, entry.file);
  }

  /** Retry of a message the log holds whose status is failed: the same clientMessageId, so never doubled. */
  #retryStored(seq: number): void {
    const message = this.#entries.get(seq)?.message;
    const resend = message && resendBody(message);
    const clientMessageId = typeof message?.messageCode === 'string' ? message.messageCode : undefined;
    if (!resend || !clientMessageId) return;
    if (this.#endedForRetry()) {
      this.#renderDelivery(seq);
      return;
    }
    this.#retrying.add(seq);
    this.#renderDelivery(seq);
    this.#client!.send({ ...resend, clientMessageId }).catch((error: unknown) => {
      this.#retrying.delete(seq);
      this.#renderDelivery(seq);
      this.panel.toast(errorText(this.t, error));
    });
  }

  loadEarlier(): void {
    const oldest = Math.min(...this.#entries.keys());
    if (!this.#client || !Number.isFinite(oldest)) return;
    void this.#client.history({ before: oldest, limit: HISTORY_PAGE }).then((page) => {
      for (const entry of page.messages) this.#apply(entry, false);
      this.panel.setEarlier(page.hasMore && page.messages.length > 0 && page.messages[0]!.seq > this.#firstSeq);
    });
  }

  // ---- unread ----

  /** While the customer can see the panel: all is seen, and the agent hears (READ) what the customer has read. */
  #markSeen(tellAgent: boolean): void {
    if (!this.panel.isOpen || (typeof document !== 'undefined' && document.visibilityState === 'hidden')) return;
    this.#seen?.advance(Math.max(0, ...this.#entries.keys()));
    if (!tellAgent || !this.#streaming) return;
    const lastOthers = Math.max(0, ...[...this.#entries.values()].filter(countsAsUnread).map((e) => e.seq));
    if (lastOthers > this.#readSent) {
      this.#readSent = lastOthers;
      this.#client!.markRead(lastOthers).catch(() => undefined);
    }
  }

  #refreshUnread(): void {
    this.#markSeen(false);
    const seen = this.#seen?.seq ?? 0;
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.seq > seen && countsAsUnread(entry)) count++;
    this.panel.setUnread(count);
    this.attention?.setUnread(count);
    if (count !== this.#unread) {
      this.#unread = count;
      this.events?.unread(count);
    }
  }
}
