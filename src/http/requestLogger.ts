// The logger each request carries (request.log), made only when the request logs a line of its own: most requests
// write none but the one line of http/requestLog.ts, and a pino child per request (its bindings turned into JSON
// text) cost every push about 2 % of its main-thread time.

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilent, Logger } from 'pino';

/** Fastify's `childLoggerFactory`: the child pino would make, with the same bindings, made on first use. */
export function lazyChildLogger(this: unknown, logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

class LazyChildLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): LevelWithSilent | string {
    return this.made ? this.made.level : this.options.level ?? this.parent.level;
  }

  set level(level: LevelWithSilent | string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: LevelWithSilent | string): boolean {
    return this.deciding.isLevelEnabled(level);
  }

  /** Who decides what is enabled: the parent while the child is not made and sets no level of its own. */
  private get deciding(): Logger {
    return this.made || this.options.level !== undefined ? this.logger : this.parent;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  /** A line below the level is dropped without making the child (the webhook's debug line, say). */
  private write(level: Level, args: unknown[]): void {
    if (!this.deciding.isLevelEnabled(level)) return;
    (this.logger[level] as (...line: unknown[]) => void)(...args);
  }
}
