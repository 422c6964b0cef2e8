import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { DocumentStatus } from '#libs/database/entities/index.js';

export const DOCUMENT_STATUSES: DocumentStatus[] = ['queued', 'processing', 'ready', 'failed'];

export class UploadDocumentDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'PDF, DOCX, HTML, Markdown or plain text; the type is read from the content',
  })
  file: unknown;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID(undefined, { message: 'folderId must be a UUID' })
  folderId?: string;
}

export class ListDocumentsQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID(undefined, { message: 'folderId must be a UUID' })
  folderId?: string;

  @ApiPropertyOptional({ enum: DOCUMENT_STATUSES })
  @IsOptional()
  @IsIn(DOCUMENT_STATUSES, { message: `status must be one of ${DOCUMENT_STATUSES.join(', ')}` })
  status?: DocumentStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DocumentDto {
  @ApiProperty() id: string;
  @ApiProperty() filename: string;
  @ApiProperty() mimeType: string;
  @ApiProperty() sizeBytes: number;
  @ApiProperty({ enum: DOCUMENT_STATUSES }) status: DocumentStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why ingestion failed, in plain words' }) error: string | null;
  @ApiProperty({ nullable: true, type: Number }) pageCount: number | null;
  @ApiProperty({ nullable: true, type: Number }) chunkCount: number | null;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ nullable: true, type: String }) folderId: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class UploadedDocumentDto extends DocumentDto {
  @ApiProperty({ description: 'true when the same bytes were already uploaded to this tenant (answer 200)' }) duplicate: boolean;
}

export class DocumentListDto {
  @ApiProperty({ type: [DocumentDto] }) items: DocumentDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ChunkDto {
  @ApiProperty() id: string;
  @ApiProperty() index: number;
  @ApiProperty() content: string;
  @ApiProperty() pageFrom: number;
  @ApiProperty() pageTo: number;
  @ApiProperty({ nullable: true, type: String, description: 'Heading path of the section the chunk starts in' }) section: string | null;
  @ApiProperty() tokenCount: number;
  @ApiProperty() charStart: number;
  @ApiProperty() charEnd: number;
  @ApiProperty() model: string;
}

export class ChunkListDto {
  @ApiProperty({ type: [ChunkDto] }) items: ChunkDto[];
}
