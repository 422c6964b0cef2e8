import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { redactSecrets } from './redact.js';

/** Property names masked by Nest's own redaction when an object is logged. */
const SECRET_PROPERTIES = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'apiKey',
  'key',
  'secret',
  'jwtSecret',
  'adminApiKey',
  'authorization',
  'cookie',
];

/**
 * Nest's console logger with every line scrubbed (libs/logging/redact.ts):
 * Nest's `redact` option masks properties of logged objects, but leaves string
 * messages, error messages and stack traces as they are, and those are where a
 * URL's query string or a JSON parse error's snippet of the body ends up.
 * `secrets` are literal values (the admin key, the JWT secret, the vendor key)
 * replaced wherever they appear, whatever their shape.
 */
export class RedactingLogger extends ConsoleLogger {
  private readonly secrets: string[];

  constructor(options: { logLevels: LogLevel[]; secrets?: (string | undefined)[] }) {
    super({ logLevels: options.logLevels, redact: SECRET_PROPERTIES });
    this.secrets = (options.secrets ?? []).filter((s): s is string => !!s);
  }

  scrub(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  protected override formatMessage(...args: Parameters<ConsoleLogger['formatMessage']>): string {
    return this.scrub(super.formatMessage(...args));
  }

  protected override stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    return this.scrub(super.stringifyJsonLogObject(logObject));
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(stack && this.scrub(stack));
  }
}
