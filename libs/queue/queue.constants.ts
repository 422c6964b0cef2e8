/** Queue names. One queue per kind of work, so each can be tuned and scaled on its own. */
export enum QueueName {
  Ingestion = 'ingestion',
  /** Builds and rebuilds the per-tenant vector indexes (one at a time: they compete for the same CPUs). */
  VectorIndex = 'vector-index',
  /** Embedding-model switches: re-embeds a tenant's chunks into a new embedding set, flips to it, drops the old one. */
  EmbeddingSwitch = 'embedding-switch',
}

/** Job names: one per queue, handled by that queue's processor in the worker. */
export enum JobName {
  IngestDocument = 'ingest-document',
  MaintainVectorIndex = 'maintain-vector-index',
  SwitchEmbeddingSet = 'switch-embedding-set',
}

/** Payloads carry ids only, never file bytes or text: Redis is a queue, not a store. */
export interface JobPayloads {
  [JobName.IngestDocument]: { tenantId: string; documentId: string };
  [JobName.MaintainVectorIndex]: { tenantId: string };
  /** The set to fill and make active (or, once it is retired or cancelled, to drop). */
  [JobName.SwitchEmbeddingSet]: { tenantId: string; setId: number };
}
