import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { Logger, PinoLogger, type Params } from 'nestjs-pino';
import { pino, stdTimeFunctions, type LevelWithSilent, type LoggerOptions } from 'pino';
import type { Options as HttpOptions } from 'pino-http';
import type { AppConfig } from '../config/config.js';
import { CENSOR, redactSecrets, secretPaths } from './redact.js';

/** LOG_LEVEL speaks Nest's names (log, verbose); pino's are info and trace. */
const PINO_LEVELS: Record<AppConfig['logLevel'], LevelWithSilent> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

let secrets: string[] = [];

/** pino-pretty is a development dependency: a production install without it still logs (JSON). */
function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The options of every logger of the API and the worker: one JSON object per line on stdout
 * (human-readable through pino-pretty only when NODE_ENV=development), at LOG_LEVEL, with
 * credentials masked twice: pino's `redact` masks secret fields of logged objects, and every
 * line is scrubbed of credentials in text (an error message, a URL's query string, a JSON parse
 * error quoting the body) and of the literal secrets of the configuration, whatever their shape.
 */
export function loggerOptions(config: AppConfig, service: 'api' | 'worker'): LoggerOptions {
  secrets = [config.auth.adminApiKey, config.auth.jwtSecret, config.ai.openaiApiKey].filter((s): s is string => !!s);
  const pretty = config.env === 'development' && prettyAvailable();
  return {
    level: PINO_LEVELS[config.logLevel],
    base: { service, pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    // Level names rather than numbers: what a reader and a log shipper's filter expect.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: secretPaths(), censor: CENSOR },
    hooks: { streamWrite: (line) => redactSecrets(line, secrets) },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

/**
 * nestjs-pino's parameters: Nest's own Logger goes through pino, and in the API pino-http adds
 * an access line per request (`http`: its options, see apps/api/src/common/access-log.ts).
 */
export function loggerParams(config: AppConfig, service: 'api' | 'worker', http: HttpOptions = { autoLogging: false }): Params {
  return { pinoHttp: { ...loggerOptions(config, service), ...http } };
}

/**
 * The logger to hand NestFactory: pino from the first line on, so that start-up messages and a
 * failing start (Nest's own exception handler) are JSON and scrubbed too. It writes through the
 * same pino instance as LoggerModule's (nestjs-pino keeps one per process).
 */
export function bootLogger(params: Params): LoggerService {
  return new Logger(new PinoLogger(params), params);
}

/** A start-up failure (before or outside Nest's logger), as one scrubbed JSON line; a connection error can carry a URL. */
export function printFatal(e: unknown): void {
  const text = redactSecrets(e instanceof Error ? inspect(e) : String(e), secrets);
  pino(
    { base: { pid: process.pid }, timestamp: stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    pino.destination({ fd: 2, sync: true }),
  ).fatal(text);
}
