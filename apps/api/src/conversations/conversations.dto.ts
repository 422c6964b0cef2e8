import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

export const TITLE_MAX = 500;
export const SYSTEM_PROMPT_MAX = 20_000;
export const SCOPE_IDS_MAX = 100;
export const CONVERSATION_SCOPES = ['own', 'all'] as const;
export type ConversationScope = (typeof CONVERSATION_SCOPES)[number];

const TITLE_DESCRIPTION = `Up to ${TITLE_MAX} characters after trimming, no control characters; empty = no title`;
const PROMPT_DESCRIPTION = `Up to ${SYSTEM_PROMPT_MAX} characters; replaces the default system prompt of the chat`;

/**
 * A title: trimmed, at most 500 code points (like Postgres' length(), so the
 * CHECK constraint never disagrees), no control characters. null is kept
 * (PATCH: clears it); an empty title becomes null.
 */
const Title = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value)),
    ValidateIf((_o, v) => v !== null && v !== undefined),
    IsString({ message: 'title must be a string' }),
    Matches(new RegExp(`^[\\s\\S]{0,${TITLE_MAX}}$`, 'u'), { message: `title must be at most ${TITLE_MAX} characters` }),
    Matches(/^[^\p{Cc}]*$/u, { message: 'title must not contain control characters' }),
  );

/** A system prompt: at most 20000 code points; no NUL (Postgres text cannot hold it). null clears it. */
const SystemPrompt = () =>
  applyDecorators(
    ValidateIf((_o, v) => v !== null && v !== undefined),
    IsString({ message: 'systemPrompt must be a string' }),
    Matches(new RegExp(`^[\\s\\S]{0,${SYSTEM_PROMPT_MAX}}$`, 'u'), {
      message: `systemPrompt must be at most ${SYSTEM_PROMPT_MAX} characters`,
    }),
    Matches(/^[^\u0000]*$/u, { message: 'systemPrompt must not contain NUL characters' }),
  );

/** Up to 100 UUIDs; duplicates are dropped by the service. null is refused (send [] to clear). */
const IdList = (field: string) =>
  applyDecorators(
    ValidateIf((_o, v) => v !== undefined),
    IsArray({ message: `${field} must be an array of UUIDs` }),
    ArrayMaxSize(SCOPE_IDS_MAX, { message: `${field} must contain at most ${SCOPE_IDS_MAX} ids` }),
    IsUUID(undefined, { each: true, message: `each value in ${field} must be a UUID` }),
  );

export class CreateConversationDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: TITLE_MAX,
    example: 'Contract questions',
    description: TITLE_DESCRIPTION,
  })
  @Title()
  title?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: SYSTEM_PROMPT_MAX, description: PROMPT_DESCRIPTION })
  @SystemPrompt()
  systemPrompt?: string | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: SCOPE_IDS_MAX,
    description: 'Answer only from documents in these folders (of your tenant: 404 otherwise); [] = no folder restriction',
  })
  @IdList('folderIds')
  folderIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: SCOPE_IDS_MAX,
    description: 'Answer only from these documents (of your tenant: 404 otherwise); [] = no document restriction',
  })
  @IdList('documentIds')
  documentIds?: string[];
}

export class UpdateConversationDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: TITLE_MAX,
    description: `${TITLE_DESCRIPTION}; null clears it; omitted = unchanged`,
  })
  @Title()
  title?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: SYSTEM_PROMPT_MAX,
    description: `${PROMPT_DESCRIPTION}; null clears it; omitted = unchanged`,
  })
  @SystemPrompt()
  systemPrompt?: string | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: SCOPE_IDS_MAX,
    description: 'Replaces the folder scope; [] clears it; omitted = unchanged',
  })
  @IdList('folderIds')
  folderIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: SCOPE_IDS_MAX,
    description: 'Replaces the document scope; [] clears it; omitted = unchanged',
  })
  @IdList('documentIds')
  documentIds?: string[];
}

export class ListConversationsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be between 1 and 100' })
  @Max(100, { message: 'limit must be between 1 and 100' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString({ message: 'cursor must be a string' })
  @MaxLength(200, { message: 'cursor is not valid' })
  cursor?: string;

  @ApiPropertyOptional({
    enum: CONVERSATION_SCOPES,
    default: 'own',
    description: '`own`: your conversations; `all`: every conversation of the tenant (tenant admin only, 403 otherwise)',
  })
  @IsOptional()
  @IsIn(CONVERSATION_SCOPES, { message: 'scope must be own or all' })
  scope?: ConversationScope;
}

export class ListMessagesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be between 1 and 500' })
  @Max(500, { message: 'limit must be between 1 and 500' })
  limit?: number;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only messages older than this message (its id); page back with the id of the first item of the previous page',
  })
  @IsOptional()
  @IsUUID(undefined, { message: 'before must be a UUID' })
  before?: string;
}

export class ConversationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) title: string | null;
  @ApiProperty({ type: String, nullable: true }) systemPrompt: string | null;
  @ApiProperty({ type: [String], format: 'uuid' }) folderIds: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) documentIds: string[];
  @ApiProperty({ format: 'uuid', description: 'The owner' }) userId: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ description: 'Changes with every edit and every new message' }) updatedAt: Date;
}

export class ConversationListDto {
  @ApiProperty({ type: [ConversationDto] }) items: ConversationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['user', 'assistant', 'system'] }) role: 'user' | 'assistant' | 'system';
  @ApiProperty() content: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Assistant messages: citations, model, usage, latencyMs' })
  metadata: Record<string, unknown>;
  @ApiProperty() createdAt: Date;
}

export class MessageListDto {
  @ApiProperty({ type: [MessageDto], description: 'Oldest first' }) items: MessageDto[];
}
