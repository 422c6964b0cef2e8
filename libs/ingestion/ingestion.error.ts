/**
 * The one error type that document ingestion raises on purpose.
 *
 * `message` is short, human-readable and stable: it is shown to the user as the
 * document's failure reason and matched by tests, so don't decorate it.
 * `permanent` tells the job runner whether retrying can ever help: a corrupt or
 * encrypted file will fail the same way forever, a crashed dependency might not.
 */
export class IngestionError extends Error {
  override readonly name = 'IngestionError';

  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Messages shared by several parsers, kept in one place so their wording cannot drift. */
export const IngestionMessages = {
  encryptedPdf: 'encrypted PDF',
  corruptPdf: 'corrupt PDF',
  corruptDocx: 'corrupt DOCX',
  noText: 'no extractable text',
  unsupported: 'unsupported file type',
  outOfMemory: (mb: number) => `parsing needed more than ${mb} MB of memory`,
  expandsBeyond: (mb: number) => `the file expands beyond ${mb} MB when decompressed`,
  compressionRatio: (ratio: number) => `the file expands more than ${ratio}-fold when decompressed`,
  tooManyPages: (pages: number, max: number) => `too many pages (${pages} > ${max})`,
  timedOut: (timeoutMs: number) => `parsing timed out after ${formatSeconds(timeoutMs)}s`,
} as const;

/** 30000 → "30", 1500 → "1.5", 5 → "0.005": seconds without trailing zeros. */
function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}
