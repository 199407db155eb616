// When AICC's satisfaction survey is offered: once the conversation has ended (whoever ended it), once per
// conversation (named by the seq of its end): not after an answer, from any tab (a SURVEY entry says so), nor
// after the customer skipped it (remembered in localStorage).

import { GatewayClientError, type GatewayClient } from '../client/index.js';
import type { ConversationState, MessageEntry, SurveyAnswer } from '../protocol/index.js';
import { errorText, type Strings } from './i18n.js';
import type { Panel } from './panel.js';
import { surveyForm, thank } from './survey.js';

/** The survey of one conversation, named by the seq of its end. */
interface Offered {
  endedSeq: number;
  node: HTMLElement | undefined;
  answered: boolean;
}

export class SurveyOffer {
  #offered: Offered | undefined;

  constructor(
    private readonly client: Pick<GatewayClient, 'survey' | 'saveSurvey'>,
    private readonly panel: Pick<Panel, 'setSurvey' | 'focusInput'>,
    private readonly t: Strings,
    private readonly lang: string,
    private readonly storage: Storage | undefined,
    /** Where a skipped conversation is remembered (one key per customer and gateway; the seq is added). */
    private readonly skippedKey: string,
  ) {}

  /** The conversation's state changed: offer the survey of the one that just ended, or take back an unanswered one. */
  update(state: ConversationState, entries: Iterable<MessageEntry>): void {
    const { phase, seq } = state;
    if (phase !== 'ended' || seq === 0) {
      this.dismiss();
      return;
    }
    if (this.#offered?.endedSeq === seq) return;
    const answered = [...entries].some((e) => e.message.controlType === 'SURVEY' && e.message.refSeq === seq);
    const offered: Offered = { endedSeq: seq, node: undefined, answered };
    this.#offered = offered;
    this.panel.setSurvey(undefined);
    if (answered || this.#skipped(seq)) return;
    this.client.survey({ language: this.lang.replace('-', '_') }).then(
      (form) => {
        if (this.#offered !== offered || offered.answered || !form.enabled || form.levels.length === 0) return;
        offered.node = surveyForm(form, this.t, (answer) => this.#answer(offered, answer), () => this.#skip(offered));
        this.panel.setSurvey(offered.node);
      },
      () => undefined, // no survey (none configured, AICC unreachable): the end stays as it was
    );
  }

  /** A SURVEY entry: the survey of the conversation that ended at `endedSeq` was answered (here or elsewhere). */
  answered(endedSeq: number): void {
    const offered = this.#offered;
    if (!offered || offered.endedSeq !== endedSeq || offered.answered) return;
    offered.answered = true;
    if (offered.node?.isConnected && !offered.node.querySelector('.survey-thanks')) thank(offered.node, this.t);
  }

  /** A new conversation begins: an unanswered survey goes (a thank-you stays until then). */
  dismiss(): void {
    if (this.#offered?.node && !this.#offered.answered) this.panel.setSurvey(undefined);
  }

  async #answer(offered: Offered, answer: SurveyAnswer): Promise<void> {
    try {
      await this.client.saveSurvey(answer);
    } catch (error) {
      // Answered already (another tab was quicker): as good as done here.
      if (error instanceof GatewayClientError && error.gatewayCode === 'SURVEY_ALREADY_SAVED') return;
      throw new Error(errorText(this.t, error));
    }
    offered.answered = true;
  }

  #skip(offered: Offered): void {
    try {
      this.storage?.setItem(`${this.skippedKey}:${offered.endedSeq}`, '1');
    } catch {
      // Storage full or blocked: skipped for this page only.
    }
    offered.node = undefined;
    this.panel.setSurvey(undefined);
    this.panel.focusInput();
  }

  #skipped(seq: number): boolean {
    try {
      return this.storage?.getItem(`${this.skippedKey}:${seq}`) != null;
    } catch {
      return false;
    }
  }
}
