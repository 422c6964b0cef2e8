import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { ProviderKind } from '#libs/config/config.js';
import { EMBEDDING_PROVIDERS, MAX_DIMENSIONS, MIN_DIMENSIONS } from '#libs/embedding-sets/embedding-model.js';

/** The model to switch a tenant to. */
export class SwitchEmbeddingModelDto {
  @ApiProperty({ enum: EMBEDDING_PROVIDERS, example: 'local' })
  @IsIn(EMBEDDING_PROVIDERS, { message: `provider must be one of ${EMBEDDING_PROVIDERS.join(', ')}` })
  provider: ProviderKind;

  @ApiProperty({ example: 'local-hash-v1', description: "The model's name at the provider (local: local-hash-v1)" })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model: string;

  @ApiProperty({
    example: 768,
    minimum: MIN_DIMENSIONS,
    maximum: MAX_DIMENSIONS,
    description: `Vector length, ${MIN_DIMENSIONS}–${MAX_DIMENSIONS} (the most an HNSW index on halfvec takes)`,
  })
  @IsInt({ message: 'dimensions must be an integer' })
  @Min(MIN_DIMENSIONS, { message: `dimensions must be at least ${MIN_DIMENSIONS}` })
  @Max(MAX_DIMENSIONS, { message: `dimensions must be at most ${MAX_DIMENSIONS}` })
  dimensions: number;
}

export class EmbeddingModelDto {
  @ApiProperty({ enum: EMBEDDING_PROVIDERS }) provider: ProviderKind;
  @ApiProperty() model: string;
  @ApiProperty() dimensions: number;
}

export class EmbeddingSetDto extends EmbeddingModelDto {
  @ApiProperty({ description: 'The embedding set (counts per tenant from 1)' }) setId: number;
  @ApiProperty({ description: 'When the set was created (a switch started)' }) createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date, description: 'When it became the active set' }) activatedAt: Date | null;
}

export class PreviousEmbeddingSetDto extends EmbeddingSetDto {
  @ApiProperty({ enum: ['retired', 'cancelled'], description: 'retired: replaced by a switch; cancelled: a switch given up' }) state:
    'retired' | 'cancelled';
  @ApiPropertyOptional({ nullable: true, type: Date, description: 'When its vectors and index were dropped (null: still being dropped)' })
  droppedAt: Date | null;
}

export class SwitchProgressDto {
  @ApiProperty({ description: "Chunks embedded into the new set (idle: the active set's chunks)" }) done: number;
  @ApiProperty({ description: 'Chunks of the tenant' }) total: number;
}

export class SwitchEtaDto {
  @ApiProperty() seconds: number;
  @ApiProperty() at: Date;
}

export class SwitchErrorsDto {
  @ApiProperty({ description: 'Failed attempts of the switch (each is retried)' }) count: number;
  @ApiPropertyOptional({ nullable: true, type: String }) last: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastAt: Date | null;
}

export const SWITCH_STATUSES = ['idle', 're-embedding', 'indexing', 'switching', 'failed', 'cleaning-up', 'cancelling'] as const;
export type SwitchStatus = (typeof SWITCH_STATUSES)[number];

export class EmbeddingModelStatusDto {
  @ApiProperty({ type: EmbeddingSetDto, description: 'What search, chat and uploads use now' }) active: EmbeddingSetDto;
  @ApiPropertyOptional({ type: EmbeddingSetDto, nullable: true, description: 'The model being switched to' })
  target: EmbeddingSetDto | null;
  @ApiProperty({
    enum: SWITCH_STATUSES,
    description:
      "idle; re-embedding, indexing (a large tenant's new HNSW index), switching: a switch under way; failed: its job gave up (POST the same model to resume, DELETE to cancel); cleaning-up / cancelling: the replaced or cancelled set's vectors being dropped",
  })
  status: SwitchStatus;
  @ApiProperty({ type: SwitchProgressDto }) progress: SwitchProgressDto;
  @ApiPropertyOptional({ type: SwitchEtaDto, nullable: true, description: 'While re-embedding, at the rate of the current run' })
  eta: SwitchEtaDto | null;
  @ApiProperty({ type: SwitchErrorsDto, description: 'Of the switch under way, or else of the last one' }) errors: SwitchErrorsDto;
  @ApiPropertyOptional({ type: PreviousEmbeddingSetDto, nullable: true, description: 'The set the last switch replaced or gave up' })
  previous: PreviousEmbeddingSetDto | null;
  @ApiProperty({
    type: EmbeddingModelDto,
    description: "The platform-wide default (EMBEDDING_PROVIDER, EMBEDDING_MODEL, EMBEDDING_DIMENSIONS): a new tenant's model",
  })
  platformDefault: EmbeddingModelDto;
}
