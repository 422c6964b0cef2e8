/**
 * Marks the log output of a test that makes things fail on purpose (a dependency
 * down, a vendor answering 500): the app logs those failures as it would in
 * production, stack traces included, and without a label they read like failures
 * of the test run. Everything the work logs is printed between the two lines.
 */
export async function expectingErrors<T>(what: string, work: () => Promise<T>): Promise<T> {
  process.stderr.write(`┌── expected error output (provoked on purpose): ${what}\n`);
  try {
    return await work();
  } finally {
    process.stderr.write(`└── end of expected error output: ${what}\n`);
  }
}
