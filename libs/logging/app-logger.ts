import { inspect } from 'node:util';
import { nestLogLevels, type AppConfig } from '../config/config.js';
import { redactSecrets } from './redact.js';
import { RedactingLogger } from './redacting-logger.js';

let secrets: string[] = [];

/** The logger of the API and the worker: the configured levels, every line scrubbed of credentials. */
export function appLogger(config: AppConfig): RedactingLogger {
  secrets = [config.auth.adminApiKey, config.auth.jwtSecret, config.ai.openaiApiKey].filter((s): s is string => !!s);
  return new RedactingLogger({ logLevels: nestLogLevels(config.logLevel), secrets });
}

/** A start-up failure, printed as console.error would, scrubbed the same way (a connection error can carry a URL). */
export function printFatal(e: unknown): void {
  console.error(redactSecrets(e instanceof Error ? inspect(e) : String(e), secrets));
}
