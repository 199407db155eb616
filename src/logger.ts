// The gateway's pino logger. Secrets are removed by configuration, not by care: any of these paths is
// replaced with "[redacted]" wherever it appears in a log line. Lines are JSON for machines; on a terminal
// (and not NODE_ENV=production, or with LOG_FORMAT=pretty) they are written as readable lines instead.

import pino, { type Logger } from 'pino';
import type { Config, LogLevel } from './config.js';

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["ccmessaging-token"]',
  'headers.authorization',
  'app_secret',
  '*.app_secret',
  'AccessToken',
  '*.AccessToken',
  'token',
  '*.token',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/** Where the process's log lines go: readable lines on a person's terminal, JSON lines otherwise. */
export function logDestination(
  config: Pick<Config, 'logFormat' | 'production'>,
  out: NodeJS.WriteStream = process.stdout,
): pino.DestinationStream | undefined {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && out.isTTY === true && !config.production);
  return pretty ? readableLines(out) : undefined;
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
};
/** Fields every line has, or that say nothing to a person reading along. */
const QUIET = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/** Turns pino's JSON lines into `12:00:01.234 INFO  message key=value ...`, with the error's stack below. */
export function readableLines(out: { write(text: string): unknown; isTTY?: boolean }): pino.DestinationStream {
  const color = out.isTTY === true;
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const [name, code] = LEVELS[Number(entry.level)] ?? ['?    ', '0'];
      const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
      const fields = Object.entries(entry)
        .filter(([key]) => !QUIET.has(key))
        .map(([key, value]) => `${paint('2', `${escaped(key)}=`)}${escaped(typeof value === 'string' ? value : JSON.stringify(value))}`);
      const err = entry.err as { message?: string; stack?: string } | undefined;
      const stack = err ? `\n    ${String(err.stack ?? err.message ?? '').split('\n').map(escaped).join('\n    ')}` : '';
      out.write(`${paint('2', time)} ${paint(code, name)} ${escaped(String(entry.msg ?? ''))}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`);
    },
  };
}

/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides, as \u escapes: a value from a request (a
 * body quoted in an error, a header) must not move the cursor, colour the terminal or start a line of its own.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
