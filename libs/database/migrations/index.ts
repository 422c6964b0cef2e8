import { InitSchema1764000000000 } from './1764000000000-init-schema.js';
import { IngestionReconciler1764000001000 } from './1764000001000-ingestion-reconciler.js';
import { SearchLayout1764000002000 } from './1764000002000-search-layout.js';
import { LeastPrivilege1764000003000 } from './1764000003000-least-privilege.js';
import { FairIngestion1764000003040 } from './1764000003040-fair-ingestion.js';
import { SectionPaths1764000009000 } from './1764000009000-section-paths.js';
import { EmbeddingSets1764000012000 } from './1764000012000-embedding-sets.js';
import { DocumentLanguage1764000013000 } from './1764000013000-document-language.js';
import { TenantSettingsUpdate1764000014000 } from './1764000014000-tenant-settings-update.js';
import { CitusDistribution1764000020000 } from './1764000020000-citus-distribution.js';
import { KeywordBounds1764000021000 } from './1764000021000-keyword-bounds.js';
import { KeywordRankAndPath1764000022000 } from './1764000022000-keyword-rank-and-path.js';
import { KeywordRankRows1764000023000 } from './1764000023000-keyword-rank-rows.js';
import { TenantKeywordIndex1764000024000 } from './1764000024000-tenant-keyword-index.js';
import { IvfVectorIndex1764000025000 } from './1764000025000-ivf-vector-index.js';
import { IvfCentres1764000026000 } from './1764000026000-ivf-centres.js';
import { SplitIvfIndex1764000027000 } from './1764000027000-split-ivf-index.js';

/** Every migration, in order. Listed explicitly so the compiled apps need no glob. */
export const MIGRATIONS = [
  InitSchema1764000000000,
  IngestionReconciler1764000001000,
  SearchLayout1764000002000,
  LeastPrivilege1764000003000,
  FairIngestion1764000003040,
  SectionPaths1764000009000,
  EmbeddingSets1764000012000,
  DocumentLanguage1764000013000,
  TenantSettingsUpdate1764000014000,
  CitusDistribution1764000020000,
  KeywordBounds1764000021000,
  KeywordRankAndPath1764000022000,
  KeywordRankRows1764000023000,
  TenantKeywordIndex1764000024000,
  IvfVectorIndex1764000025000,
  IvfCentres1764000026000,
  SplitIvfIndex1764000027000,
];
