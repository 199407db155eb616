// Whether AICC's agents are at work now, as far as this gateway node has heard. AICC has no API to ask: it
// answers a customer's send or transfer with resultCode 12 outside the agents' working time (send, cec_07_0105:
// https://support.huaweicloud.com/api-ccfs-cec/cec_07_0105.html), and accepts a transfer when they work. The
// latest such answer for any customer is kept for a while, so the widget can say so before the next one writes.

/** `available` is null when nothing was heard within the last `ttlMs`. */
export interface AgentsNow {
  available: boolean | null;
  /** When AICC's answer that says so came (ms since the epoch); null when unknown. */
  heardAt: number | null;
}

/** How long one answer stands for the agents' hours: short, so a shift starting or ending shows soon. */
export const AGENT_HOURS_TTL_MS = 15 * 60_000;

export class AgentHours {
  #last: { available: boolean; at: number } | undefined;

  constructor(
    private readonly ttlMs = AGENT_HOURS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** AICC accepted a transfer (true) or answered resultCode 12 (false). */
  heard(available: boolean): void {
    this.#last = { available, at: this.now() };
  }

  current(): AgentsNow {
    const last = this.#last;
    if (!last || this.now() - last.at > this.ttlMs) return { available: null, heardAt: null };
    return { available: last.available, heardAt: last.at };
  }
}
