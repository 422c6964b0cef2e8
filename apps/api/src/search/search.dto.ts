import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type { SearchMode } from '#libs/retrieval/search.types.js';

export class SearchDto {
  @ApiProperty({ example: 'How do I reset the device?' })
  @IsString()
  @MinLength(1, { message: 'query must not be empty' })
  @MaxLength(4000)
  query: string;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt({ message: 'topK must be an integer' })
  @Min(1)
  @Max(100)
  topK?: number;

  @ApiPropertyOptional({ enum: ['vector', 'hybrid', 'keyword'], default: 'vector' })
  @IsOptional()
  @IsIn(['vector', 'hybrid', 'keyword'], { message: 'mode must be vector, hybrid or keyword' })
  mode?: SearchMode;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID(undefined, { each: true, message: 'folderIds must be UUIDs' })
  folderIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID(undefined, { each: true, message: 'documentIds must be UUIDs' })
  documentIds?: string[];

  @ApiPropertyOptional({ description: 'Drop results whose similarity (1 - cosine distance) is below this', minimum: -1, maximum: 1 })
  @IsOptional()
  @IsNumber({}, { message: 'minScore must be a number' })
  @Min(-1)
  @Max(1)
  minScore?: number;
}

export class SearchHitDto {
  @ApiProperty() chunkId: string;
  @ApiProperty() documentId: string;
  @ApiProperty() filename: string;
  @ApiProperty() content: string;
  @ApiProperty({
    description:
      'Ranking score of the mode: similarity (vector), keyword: the tier (2 every word, 1 all but one, 0 any; fewer tiers for short queries) plus ts_rank / (1 + ts_rank), 0.6 × min-max-scaled similarity + 0.4 × min-max-scaled keyword score (hybrid)',
  })
  score: number;
  @ApiProperty({ description: '1 - cosine distance' }) similarity: number;
  @ApiProperty() pageFrom: number;
  @ApiProperty() pageTo: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Heading path of the section the passage is in (HTML, Markdown, DOCX), e.g. "CREATE SEQUENCE › Parameters"; null where the format has no headings (PDF: use the pages)',
  })
  section: string | null;
}

export class SearchResultDto {
  @ApiProperty({ type: [SearchHitDto] }) items: SearchHitDto[];
}
