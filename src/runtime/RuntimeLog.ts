import type { Logger } from '../core/Logger.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';

const LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number];

/**
 * @internal What a runtime logs, through the `logger` option: `console` at level `warn` unless
 * `AGENTWIRE_LOG_LEVEL` says otherwise (`silent`, `error`, `warn`, `info`, `debug`), your logger as
 * given, or nothing (`false`). Advice that would repeat for every message is given once per subject,
 * the repeats at debug level.
 */
export class RuntimeLog {
  private readonly said = new Set<string>();

  private constructor(private readonly logger: Logger | undefined) {}

  /** The log of a runtime built with `logger` (the option). @throws {@link ConfigurationError} on a bad option. */
  static of(logger: Logger | false | undefined): RuntimeLog {
    if (logger === false) return new RuntimeLog(undefined);
    if (logger === undefined) return new RuntimeLog(consoleAt(levelFromEnvironment()));
    if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
      throw new ConfigurationError(`SingleThreadedAgentRuntime: option "logger" must have warn and error methods (console, a pino logger) or be false, got ${describeValue(logger)}.`);
    }
    return new RuntimeLog(logger);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  /** Warns about `subject` the first time, adding `first` (advice worth reading once); later messages about it go to debug. */
  warnOnce(subject: string, message: string, first = ''): void {
    if (this.said.has(subject)) return this.write('debug', message);
    this.said.add(subject);
    this.write('warn', message + first);
  }

  debug(message: string): void {
    this.write('debug', message);
  }

  private write(level: 'warn' | 'debug', message: string): void {
    const logger = this.logger;
    if (logger === undefined) return;
    try {
      if (level === 'warn') logger.warn(`agentwire: ${message}`);
      else logger.debug?.(`agentwire: ${message}`);
    } catch {
      // a logger that throws must not break the runtime; there is nowhere left to report it
    }
  }
}

function levelFromEnvironment(): Level {
  const raw = process.env.AGENTWIRE_LOG_LEVEL;
  if (raw === undefined || raw === '') return 'warn';
  if ((LEVELS as readonly string[]).includes(raw)) return raw as Level;
  if (!warnedLevels.has(raw)) {
    warnedLevels.add(raw);
    console.warn(`agentwire: AGENTWIRE_LOG_LEVEL=${raw} is not a level (${LEVELS.join(', ')}); logging at warn.`);
  }
  return 'warn';
}

/** Unknown AGENTWIRE_LOG_LEVEL values already warned about (once per process, not per runtime). */
const warnedLevels = new Set<string>();

/** `console`, limited to `level` and above. */
function consoleAt(level: Level): Logger | undefined {
  const rank = LEVELS.indexOf(level);
  if (rank === 0) return undefined;
  const quiet = (): void => undefined;
  return {
    error: (m) => console.error(m),
    warn: rank >= 2 ? (m) => console.warn(m) : quiet,
    info: rank >= 3 ? (m) => console.info(m) : quiet,
    debug: rank >= 4 ? (m) => console.debug(m) : quiet,
  };
}
