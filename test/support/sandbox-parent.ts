/**
 * A stand-in for a worker process, for test/unit/parse-sandbox: starts parsing a
 * 1 GiB PDF bomb under a generous cap, prints its parser's pid, and waits to be killed.
 */
import { parseInSandbox } from '../../libs/ingestion/parse-sandbox.js';
import { makePdfBomb } from './bomb-fixtures.js';
import { childPids } from './process-memory.js';

void parseInSandbox(makePdfBomb(), 'application/pdf', { maxPages: 10, timeoutMs: 120_000, maxMemoryMb: 1024 }).catch(() => {});
const poll = setInterval(() => {
  const [pid] = childPids(process.pid);
  if (pid) {
    clearInterval(poll);
    console.log(`parser ${pid}`);
  }
}, 20);
