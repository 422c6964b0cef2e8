import { ApiKeyEntity } from './api-key.entity.js';
import { AuditLogEntity } from './audit-log.entity.js';
import { ConversationEntity } from './conversation.entity.js';
import { DocumentFileEntity } from './document-file.entity.js';
import { DocumentEntity } from './document.entity.js';
import { EmbeddingEntity } from './embedding.entity.js';
import { FolderEntity } from './folder.entity.js';
import { IngestionEventEntity } from './ingestion-event.entity.js';
import { MessageCitationEntity } from './message-citation.entity.js';
import { MessageEntity } from './message.entity.js';
import { TenantEntity } from './tenant.entity.js';
import { UsageRecordEntity } from './usage-record.entity.js';
import { UserEntity } from './user.entity.js';

export * from './api-key.entity.js';
export * from './audit-log.entity.js';
export * from './conversation.entity.js';
export * from './document-file.entity.js';
export * from './document.entity.js';
export * from './embedding.entity.js';
export * from './folder.entity.js';
export * from './ingestion-event.entity.js';
export * from './message-citation.entity.js';
export * from './message.entity.js';
export * from './tenant.entity.js';
export * from './usage-record.entity.js';
export * from './user.entity.js';

/** The 13 models: the seed's seven plus six the features need (README explains each). */
export const ENTITIES = [
  TenantEntity,
  UserEntity,
  FolderEntity,
  DocumentEntity,
  EmbeddingEntity,
  ConversationEntity,
  MessageEntity,
  ApiKeyEntity,
  DocumentFileEntity,
  IngestionEventEntity,
  MessageCitationEntity,
  UsageRecordEntity,
  AuditLogEntity,
];
