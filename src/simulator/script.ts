// The scripted conversation: what AICC's bot, queue and agent do after each customer event, one step every
// stepMs, in the order a real conversation has them. Each customer has at most one live session; its steps run
// one after another, so the events of one customer are emitted (and then pushed) in order.

import { randomUUID } from 'node:crypto';
import type { SendMsgRequest } from '../aicc/api.js';
import { RESULT } from '../aicc/api.js';
import { makePng, type FileStore } from './files.js';
import type { SimulatorSettings } from './options.js';
import type { SessionPhase, SessionView, SimDownLinkMsg } from './types.js';

export const TEXTS = {
  robotGreeting: 'Hello, I am the virtual assistant. How can I help you?',
  simQuestions: JSON.stringify(['Where is my order?', 'Talk to a human']),
  robotOrder: 'Your order left our warehouse yesterday and should arrive within two days.',
  queuing: 'Queuing...',
  agentConnected: 'The call is connected to an agent.',
  location: '22.5431/114.0579/Huawei Shenzhen Campus',
  offlineTip: 'No agent is free now. Leave us a message and we will reply by email.',
  outsideWorkingTime: 'The current time is not within the working time of the service agents',
} as const;

/** What the robot knows to be asked: queryPhraseByKeyword suggests from these. */
export const ROBOT_PHRASES: readonly string[] = [
  'Where is my order?',
  'How long does delivery take?',
  'How do I return an order?',
  'What are your opening hours?',
  'Can I change my order?',
  'Order status by email',
  'Talk to a human',
  '我的订单在哪里？',
  '转人工',
];

/** Text with which a customer asks the bot for a person, as AICC's bot would take it (like TRANS2AGENT). */
const ASKS_FOR_HUMAN = /human|agent|人工/i;

export interface ScriptAnswer {
  resultCode: string;
  resultDesc: string;
}

interface Step {
  run: () => void;
  /** The agent's hang-up: stays the last step when more are added. */
  hangUp?: boolean;
  /** The line moving by one: waits while the queue is held (holdQueue). */
  queueMove?: boolean;
}

interface Session {
  userId: string;
  callId: string;
  phase: SessionPhase;
  queuePosition: number;
  queuedAt: number;
  startedAt: number;
  /** The customer's CHAT messages the agent has not yet reported read: their messageCode or timestamp. */
  unread: string[];
  steps: Step[];
  timer?: NodeJS.Timeout;
  images: number;
}

const ok = (resultDesc = 'send message success.'): ScriptAnswer => ({ resultCode: RESULT.OK, resultDesc });
const failed = (resultDesc: string): ScriptAnswer => ({ resultCode: RESULT.FAILED, resultDesc });

export class Conversations {
  private readonly sessions = new Map<string, Session>();
  private readonly histories = new Map<string, SimDownLinkMsg[]>();
  private readonly lastTimestamps = new Map<string, number>();
  /** The last interIdx given to each customer's robot answers. */
  private readonly interIdx = new Map<string, number>();
  private callCounter = 0;
  /** While true, nobody's place in the queue moves (a test reads a steady queue banner). */
  private queueHeld = false;

  constructor(
    private readonly settings: SimulatorSettings,
    private readonly files: FileStore,
    /** Each customer's locale from applyToken. */
    private readonly locales: ReadonlyMap<string, string>,
    private readonly emit: (message: SimDownLinkMsg) => void,
  ) {}

  /** Plays a validated customer request; the answer is send's (sendAsync's) answer. */
  handle(request: SendMsgRequest): ScriptAnswer {
    const userId = request.from;
    const session = this.live(userId);
    switch (request.controlType) {
      case 'CONNECT':
        return session ? ok() : this.connect(userId);
      case 'DISCONNECT':
        if (session) this.end(session);
        return ok();
      case 'INPUT':
      case 'READ':
        return ok();
      case 'TRANS2AGENT':
        if (!session) return failed('no session for this user: send CONNECT first');
        if (session.phase !== 'bot') return failed('it has been agent service');
        if (this.settings.scenario === 'after-hours') return outsideWorkingTime();
        this.queue(session);
        return ok();
      case 'CHAT':
        if (!session) return failed('no session for this user: send CONNECT first');
        session.unread.push(request.messageCode || request.timestamp || String(Date.now()));
        this.chat(session, request);
        return ok();
    }
  }

  /** What queryQueueInfo reports for the user. */
  session(userId: string): SessionView | undefined {
    const s = this.sessions.get(userId);
    return s && { userId, callId: s.callId, phase: s.phase, queuePosition: s.queuePosition, startedAt: s.startedAt };
  }

  queuedSeconds(userId: string): number {
    const s = this.sessions.get(userId);
    return s ? Math.round((Date.now() - s.queuedAt) / 1000) : 0;
  }

  /** Every event emitted to the user so far (typing excepted), oldest first. */
  history(userId: string): readonly SimDownLinkMsg[] {
    return this.histories.get(userId) ?? [];
  }

  hasHadSession(userId: string): boolean {
    return this.sessions.has(userId);
  }

  close(): void {
    for (const session of this.sessions.values()) this.cancelSteps(session);
  }

  private live(userId: string): Session | undefined {
    const session = this.sessions.get(userId);
    return session && session.phase !== 'ended' ? session : undefined;
  }

  private connect(userId: string): ScriptAnswer {
    // Without a bot, CONNECT asks for an agent at once; outside working hours that fails (then doLeaveMessage).
    if (!this.settings.robot && this.settings.scenario === 'after-hours') return outsideWorkingTime();
    this.callCounter += 1;
    const session: Session = {
      userId,
      callId: `${Date.now()}${String(this.callCounter).padStart(6, '0')}`,
      phase: 'bot',
      queuePosition: 0,
      queuedAt: 0,
      startedAt: Date.now(),
      unread: [],
      steps: [],
      images: 0,
    };
    this.sessions.set(userId, session);
    if (!this.settings.robot) {
      this.queue(session);
      return ok();
    }
    this.schedule(session, [
      () => this.say(session, 'ROBOT', 'CHAT', 'TEXT', TEXTS.robotGreeting, { simQuestions: TEXTS.simQuestions }),
    ]);
    return ok();
  }

  private chat(session: Session, request: SendMsgRequest): void {
    const text = request.mediaType === 'TEXT' || request.mediaType === undefined ? request.content ?? '' : '';
    if (session.phase === 'bot') {
      if (!ASKS_FOR_HUMAN.test(text)) {
        const answer = /order/i.test(text)
          ? TEXTS.robotOrder
          : `I did not quite get "${text.slice(0, 100)}". Pick a suggestion, or ask for a human.`;
        this.schedule(session, [
          () => this.say(session, 'ROBOT', 'CHAT', 'TEXT', answer, { simQuestions: TEXTS.simQuestions }),
        ]);
      } else if (this.settings.scenario === 'after-hours') {
        const tip = `${TEXTS.outsideWorkingTime}. Please leave us a message.`;
        this.schedule(session, [() => this.say(session, 'ROBOT', 'CHAT', 'TEXT', tip)]);
      } else {
        this.queue(session);
      }
      return;
    }
    // Queuing: the message waits for the agent, who reports it read once connected.
    if (session.phase !== 'agent') return;
    const reply = text ? `You wrote "${text.slice(0, 200)}". Let me check that for you.` : 'Thank you, I have received it.';
    this.schedule(session, [
      ...(this.settings.inventedAgentEvents ? [() => this.say(session, 'AGENT', 'INPUT', null, null)] : []),
      () => this.say(session, 'AGENT', 'CHAT', 'TEXT', reply),
      () => this.readReport(session),
    ]);
  }

  /** TRANS2AGENT: "Queuing...", the position falls by one a step, then an agent (or a timeout) at 0. */
  private queue(session: Session): void {
    session.phase = 'queuing';
    session.queuePosition = this.settings.queueLength;
    session.queuedAt = Date.now();
    const steps: Step[] = [{ run: () => this.say(session, 'SYSTEM', 'CHAT', 'TEXT', TEXTS.queuing) }];
    for (let i = 0; i < this.settings.queueLength; i++) steps.push({ run: () => (session.queuePosition -= 1), queueMove: true });
    const last = steps[steps.length - 1]!;
    const decrement = last.run;
    last.run = () => {
      decrement();
      this.queueDone(session);
    };
    this.scheduleSteps(session, steps);
  }

  private queueDone(session: Session): void {
    const { scenario, agentName } = this.settings;
    if (scenario === 'timeout-async-off') {
      this.say(session, 'SYSTEM', 'DISCONNECT', null, null, { isOfflineStatus: false });
      return this.end(session);
    }
    if (scenario === 'timeout-async-on') {
      this.say(session, 'SYSTEM', 'DISCONNECT', 'TEXT', TEXTS.offlineTip, { isOfflineStatus: true });
      return this.end(session);
    }
    session.phase = 'agent';
    this.say(session, 'SYSTEM', 'CHAT', 'TEXT', TEXTS.agentConnected, { senderNickname: 'SYSTEM' });
    // INVENTED (inventedAgentEvents): no Huawei page shows an AGENT CONNECT or an INPUT downlink.
    const invented: Step[] = this.settings.inventedAgentEvents
      ? [{ run: () => this.say(session, 'AGENT', 'CONNECT', null, null) }, { run: () => this.say(session, 'AGENT', 'INPUT', null, null) }]
      : [];
    const steps: Step[] = [
      ...invented,
      { run: () => this.say(session, 'AGENT', 'CHAT', 'TEXT', `Hello, this is ${agentName}. How can I help you today?`) },
      // A picture from the agent's own computer: a local file (contentType "1"), downloaded as "local/" + content
      // with the mediaFileType as its fileType (cec_07_2220, cec_07_2219).
      { run: () => this.say(session, 'AGENT', 'CHAT', 'IMAGE', this.agentImage(session), { contentType: '1', mediaFileType: 'png' }) },
      { run: () => this.say(session, 'AGENT', 'CHAT', 'LOCATE', TEXTS.location) },
      { run: () => this.readReport(session) },
    ];
    if (this.settings.agentHangsUp) {
      steps.push({
        hangUp: true,
        run: () => {
          this.say(session, 'AGENT', 'DISCONNECT', null, null);
          this.end(session);
        },
      });
    }
    this.scheduleSteps(session, steps);
  }

  /** READ of the customer's messages not yet reported (their messageCodes, else their timestamps). */
  private readReport(session: Session): void {
    if (session.unread.length === 0) return;
    this.say(session, 'AGENT', 'READ', null, session.unread.splice(0).join(','));
  }

  private agentImage(session: Session): string {
    session.images += 1;
    return this.files.put(makePng(32, 32, session.images), 'png', 'local').id;
  }

  private end(session: Session): void {
    session.phase = 'ended';
    session.queuePosition = 0;
    this.cancelSteps(session);
  }

  private say(
    session: Session,
    sourceType: SimDownLinkMsg['sourceType'],
    controlType: SimDownLinkMsg['controlType'],
    mediaType: SimDownLinkMsg['mediaType'],
    content: string | null,
    extra: Partial<SimDownLinkMsg> = {},
  ): void {
    const coded = controlType === 'CHAT' && sourceType !== 'SYSTEM';
    const robotAnswer = controlType === 'CHAT' && sourceType === 'ROBOT';
    // SYSTEM's nickname is "system", or "系统" for a Chinese tenant (the poll table, cec_07_2219).
    const system = (this.locales.get(session.userId) ?? '').toLowerCase().startsWith('zh') ? '系统' : 'system';
    const nickname = sourceType === 'AGENT' ? this.settings.agentName : sourceType === 'ROBOT' ? 'Robot' : system;
    const message: SimDownLinkMsg = {
      channel: 'WEB',
      from: this.settings.channelId,
      to: session.userId,
      controlType,
      sourceType,
      mediaType,
      content,
      senderNickname: controlType === 'DISCONNECT' && sourceType === 'AGENT' ? null : nickname,
      timestamp: this.nextTimestamp(session.userId),
      messageCode: coded ? `sim-${randomUUID()}` : null,
      ...(coded ? {} : { callId: session.callId }),
      ...(robotAnswer ? { interIdx: this.nextInterIdx(session.userId) } : {}),
      ...extra,
    };
    if (controlType !== 'INPUT') {
      const history = this.histories.get(session.userId) ?? [];
      history.push(message);
      this.histories.set(session.userId, history);
    }
    this.emit(message);
  }

  private nextInterIdx(userId: string): string {
    const next = (this.interIdx.get(userId) ?? 0) + 1;
    this.interIdx.set(userId, next);
    return String(next);
  }

  /** Strictly increasing per customer: the gateway tells code-less events apart by their timestamp. */
  private nextTimestamp(userId: string): number {
    const timestamp = Math.max(Date.now(), (this.lastTimestamps.get(userId) ?? 0) + 1);
    this.lastTimestamps.set(userId, timestamp);
    return timestamp;
  }

  private schedule(session: Session, runs: (() => void)[]): void {
    this.scheduleSteps(session, runs.map((run) => ({ run })));
  }

  /** Adds steps to the session's timeline (before a pending hang-up) and starts it if it was idle. */
  private scheduleSteps(session: Session, steps: Step[]): void {
    const hangUpAt = session.steps.findIndex((step) => step.hangUp);
    if (hangUpAt >= 0 && !steps.some((step) => step.hangUp)) session.steps.splice(hangUpAt, 0, ...steps);
    else session.steps.push(...steps);
    this.pump(session);
  }

  private pump(session: Session): void {
    if (session.timer || session.steps.length === 0) return;
    session.timer = setTimeout(() => {
      session.timer = undefined;
      // A held queue: the line does not move; the step is tried again a step later.
      if (!(this.queueHeld && session.steps[0]?.queueMove)) session.steps.shift()?.run();
      this.pump(session);
    }, this.settings.stepMs);
  }

  /** Holds everyone's place in the queue (true) or lets the line move again (false). */
  holdQueue(held: boolean): void {
    this.queueHeld = held;
  }

  private cancelSteps(session: Session): void {
    clearTimeout(session.timer);
    session.timer = undefined;
    session.steps = [];
  }
}

function outsideWorkingTime(): ScriptAnswer {
  return { resultCode: RESULT.OUTSIDE_WORKING_HOURS, resultDesc: TEXTS.outsideWorkingTime };
}
