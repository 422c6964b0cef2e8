import { JobName } from '#libs/queue/queue.constants.js';

type Handler = { target: object; method: string | symbol };
const registry = new Map<string, Handler[]>();

/** Marks a processor method as the handler of one job name. */
export function JobHandler(name: JobName): MethodDecorator {
  return (target, method) => {
    registry.set(name, [...(registry.get(name) ?? []), { target, method }]);
  };
}

/** Start-up check: every job name has exactly one handler, and no handler names an unknown job. */
export function assertEveryJobHasOneHandler(): void {
  const problems: string[] = [];
  for (const name of Object.values(JobName)) {
    const n = registry.get(name)?.length ?? 0;
    if (n !== 1) problems.push(`job "${name}" has ${n} handlers`);
  }
  const known = new Set<string>(Object.values(JobName));
  for (const name of registry.keys()) if (!known.has(name)) problems.push(`handler for unknown job "${name}"`);
  if (problems.length) throw new Error(`Job handler check failed: ${problems.join('; ')}`);
}

export function handlerFor(name: string): Handler | undefined {
  return registry.get(name)?.[0];
}

/** Runs the handler a processor declared for this job's name. */
export function dispatchJob(processor: object, job: { name: string }): Promise<unknown> {
  const handler = handlerFor(job.name);
  if (!handler) throw new Error(`no handler for job ${job.name}`);
  return (processor as Record<string | symbol, (j: unknown) => Promise<unknown>>)[handler.method]!.call(processor, job);
}
