// The gateway's pino logger. Secrets are removed by configuration, not by care: any of these paths is
// replaced with "[redacted]" wherever it appears in a log line.

import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

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
