/** Queue names. One queue per kind of work, so each can be tuned and scaled on its own. */
export enum QueueName {
  Ingestion = 'ingestion',
  /** Builds and rebuilds the per-tenant vector indexes (one at a time: they compete for the same CPUs). */
  VectorIndex = 'vector-index',
}

/** Job names: one per queue, handled by that queue's processor in the worker. */
export enum JobName {
  IngestDocument = 'ingest-document',
  MaintainVectorIndex = 'maintain-vector-index',
}

/** Payloads carry ids only, never file bytes or text: Redis is a queue, not a store. */
export interface JobPayloads {
  [JobName.IngestDocument]: { tenantId: string; documentId: string };
  [JobName.MaintainVectorIndex]: { tenantId: string };
}
