// Each customer's AICC session on this node: the ccmessaging-token from applyToken, and whether the
// conversation has been CONNECTed. The first message of a conversation connects it; a conversation that
// ended needs a new CONNECT. A refused token is applied for again once.

import { AiccError, type AiccClient, type AiccSession } from '../aicc/aiccClient.js';

interface Entry {
  session: AiccSession;
  connected: boolean;
  /** Highest seq of the customer's log already reported to AICC as READ. */
  readSeq: number;
  lastActivity: number;
}

export class AiccSessions {
  private readonly entries = new Map<string, Entry>();
  private readonly applying = new Map<string, Promise<Entry>>();
  private readonly connecting = new Map<string, Promise<void>>();

  constructor(
    private readonly aicc: AiccClient,
    /** Told when a conversation is connected (poll mode starts polling then). */
    private readonly onConnected: (customerId: string, session: AiccSession) => void = () => {},
  ) {}

  /** Runs `fn` with the customer's session; a refused ccmessaging-token is applied for again, once. */
  async call<T>(customerId: string, fn: (session: AiccSession) => Promise<T>, options: { connect: boolean }): Promise<T> {
    for (let retried = false; ; retried = true) {
      const entry = await this.entry(customerId);
      entry.lastActivity = Date.now();
      try {
        if (options.connect) await this.connect(customerId, entry);
        return await fn(entry.session);
      } catch (err) {
        if (!(err instanceof AiccError) || err.code !== 'TOKEN' || retried) throw err;
        this.entries.delete(customerId);
      }
    }
  }

  /** The session if this node has one (no AICC call). */
  peek(customerId: string): (AiccSession & { readSeq: number; lastActivity: number }) | undefined {
    const entry = this.entries.get(customerId);
    return entry && { ...entry.session, readSeq: entry.readSeq, lastActivity: entry.lastActivity };
  }

  setReadSeq(customerId: string, seq: number): void {
    const entry = this.entries.get(customerId);
    if (entry) entry.readSeq = Math.max(entry.readSeq, seq);
  }

  /** The conversation ended (DISCONNECT): the next message connects again. */
  markEnded(customerId: string): void {
    const entry = this.entries.get(customerId);
    if (entry) entry.connected = false;
  }

  private async entry(customerId: string): Promise<Entry> {
    const known = this.entries.get(customerId);
    if (known) return known;
    let pending = this.applying.get(customerId);
    if (!pending) {
      pending = this.aicc
        .applyToken(customerId)
        .then((session) => {
          const entry: Entry = { session, connected: false, readSeq: 0, lastActivity: Date.now() };
          this.entries.set(customerId, entry);
          return entry;
        })
        .finally(() => this.applying.delete(customerId));
      this.applying.set(customerId, pending);
    }
    return pending;
  }

  private async connect(customerId: string, entry: Entry): Promise<void> {
    if (entry.connected) return;
    let pending = this.connecting.get(customerId);
    if (!pending) {
      pending = this.aicc
        .send(entry.session, { controlType: 'CONNECT' })
        .then(() => {
          entry.connected = true;
          this.onConnected(customerId, entry.session);
        })
        .finally(() => this.connecting.delete(customerId));
      this.connecting.set(customerId, pending);
    }
    await pending;
  }
}
