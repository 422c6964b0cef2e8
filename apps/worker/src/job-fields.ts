import type { Job } from 'bullmq';

/** The fields that name a job in the logs: every line of a job carries them (PinoLogger.runInContext in the processors). */
export function jobFields(job: Job | undefined): Record<string, unknown> {
  const data = (job?.data ?? {}) as { tenantId?: string; documentId?: string; setId?: string };
  return { queue: job?.queueName, jobId: job?.id, tenantId: data.tenantId, documentId: data.documentId, setId: data.setId };
}
