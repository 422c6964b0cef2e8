import { CommanderError } from 'commander';
import { UsageError } from './import/import-run.js';
import { buildProgram } from './program.js';

/**
 * Entry point of `ragdocs` (bin/ragdocs.js loads this file). The first Ctrl-C (or SIGTERM)
 * lets the uploads in flight finish and prints the summary; a second one quits at once.
 */
const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) {
    if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\n'); // the progress bars hide the cursor
    process.exit(130);
  }
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `ragdocs import … | head`: the reader went away. Stop as a shell command does on SIGPIPE
// (128 + 13), quietly instead of with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
});

try {
  await buildProgram(interrupt.signal).parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError)
    process.exitCode = e.exitCode === 0 ? 0 : 2; // commander printed the message
  else if (e instanceof UsageError) {
    process.stderr.write(`ragdocs: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`ragdocs: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}
