// The conversation to keep, once it has ended: the gateway's whole history as the widget showed it (bubbles as
// `[time] Who: text`, notices between dashes, nothing of what it did not show), downloaded as a text file.

import type { GatewayClient } from '../client/index.js';
import type { MessageEntry } from '../protocol/index.js';
import { bodySummary } from './bubbles.js';
import type { Strings } from './i18n.js';
import { display } from './model.js';

/** Pages of the history asked for at a time (the gateway's maximum). */
const PAGE = 1000;

export async function downloadTranscript(client: Pick<GatewayClient, 'history'>, t: Strings, lang: string): Promise<void> {
  const entries: MessageEntry[] = [];
  for (let since = 0; ; ) {
    const page = await client.history({ since, limit: PAGE });
    entries.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) break;
    since = page.messages[page.messages.length - 1]!.seq;
  }
  const when = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' });
  const text = `${entries.flatMap((entry) => transcriptLine(entry, t, when)).join('\n')}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `chat-${new Date().toISOString().slice(0, 10)}.txt`;
  link.click();
  // Later, not now: the download starts after this task.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** One entry of the transcript: `[time] Who: text`, a notice between dashes, nothing for what is not shown. */
export function transcriptLine(entry: MessageEntry, t: Strings, when: Intl.DateTimeFormat): string[] {
  const shown = display(entry.message);
  if (shown.kind === 'notice') {
    const text =
      shown.notice === 'system'
        ? shown.text
        : shown.notice === 'you-ended'
          ? t.youEnded
          : shown.notice === 'asked-human'
            ? t.askedForHuman
            : shown.text ?? (shown.notice === 'ended' ? t.ended : t.offline);
    return [`— ${text} —`];
  }
  if (shown.kind !== 'bubble') return [];
  const who = shown.author === 'customer' ? t.you : shown.nickname ?? (shown.author === 'bot' ? t.bot : t.agent);
  const body = shown.body;
  const text = body.kind === 'text' ? body.text : body.kind === 'document' && body.fileName ? `📎 ${body.fileName}` : `[${bodySummary(body, t)}]`;
  const at = Number(entry.message.timestamp) || entry.storedAt;
  return [`[${when.format(at)}] ${who}: ${text}`];
}
