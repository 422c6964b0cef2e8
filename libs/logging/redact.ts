/**
 * Scrubs credentials out of log text. Logs end up in places with wider access
 * than the database (terminals, CI output, log shippers), so a key, a token or
 * a password must never reach them, even inside an error message, a URL's
 * query string or a stack trace. This is the last line: code should not log
 * secrets in the first place.
 */
export const CENSOR = '[REDACTED]';

/**
 * Field names whose values are secrets: the one list. Pino's `redact` masks them in logged
 * objects (secretPaths), and redactSecrets finds them in text as JSON ("password":"…"),
 * query strings (token=…) and key=value text, in camelCase or snake_case.
 */
export const SECRET_FIELDS = [
  'password',
  'passwd',
  'newPassword',
  'passwordHash',
  'secret',
  'jwtSecret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'adminApiKey',
  'key',
  'authorization',
  'cookie',
  'setCookie',
] as const;

/** Pino `redact` paths for SECRET_FIELDS at the top of a log record and one level down, and the request headers that carry credentials. */
export function secretPaths(): string[] {
  const headers = ['authorization', 'cookie', '"x-api-key"', '"proxy-authorization"'].flatMap((h) => [`req.headers.${h}`, `headers.${h}`]);
  return [...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), ...headers, 'res.headers["set-cookie"]'];
}

/** accessToken → access_?token: one alternative of the key pattern per field, whatever the case convention. */
const SECRET_KEYS = SECRET_FIELDS.map((f) => f.replace(/([a-z])([A-Z])/g, '$1_?$2').toLowerCase()).join('|');

const PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  // "password": "…" (JSON, also unquoted or cut short), password=… (query strings, key=value text)
  [
    new RegExp(
      `((?:\\\\?["'])?\\b(?:${SECRET_KEYS})(?:\\\\?["'])?\\s*[:=]\\s*)(?!\\[REDACTED\\]|Bearer\\b|Basic\\b)(?:\\\\?"(?:[^"\\\\]|\\\\(?!")|\\\\")*(?:\\\\?"|$)|'[^']*(?:'|$)|[^\\s"',;&}\\]]+)`,
      'gi',
    ),
    `$1${CENSOR}`,
  ],
  // Authorization header values: "Bearer <anything>", "Basic <base64>".
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${CENSOR}`],
  // JWTs (also one cut short in a message): header.payload[.signature]
  [/\beyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}/g, CENSOR],
  // The project's API keys (rag_…, apps/api/src/auth/api-key.ts), generated admin keys (adm_…), OpenAI-style keys (sk-…).
  [/\b(rag|adm)_[A-Za-z0-9_-]{16,}/g, `$1_${CENSOR}`],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, `sk-${CENSOR}`],
  // Stored password hashes.
  [/\bscrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+(?:\$[A-Za-z0-9_-]+)?/g, `scrypt$${CENSOR}`],
  // Passwords in connection URLs: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, `$1:${CENSOR}@`],
];

/** The text with every recognisable credential, and every literal secret given, replaced by [REDACTED]. */
export function redactSecrets(text: string, literals: readonly string[] = []): string {
  let out = text;
  for (const secret of literals) if (secret && secret.length >= 8) out = out.split(secret).join(CENSOR);
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement as string);
  return out;
}
