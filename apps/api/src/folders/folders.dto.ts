import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Matches, ValidateIf } from 'class-validator';

const NAME_DESCRIPTION = "1-255 characters after trimming; no control characters and no '/'";

/**
 * A folder name: trimmed, then 1-255 characters counted as code points (like
 * Postgres' length(), so the CHECK constraint never disagrees), no control
 * characters (C0, DEL, C1) and no '/' (names are shown as paths).
 */
const FolderName = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsString({ message: 'name must be a string' }),
    Matches(/^[\s\S]{1,255}$/u, { message: 'name must be 1-255 characters (after trimming)' }),
    Matches(/^[^\p{Cc}/]*$/u, { message: "name must not contain control characters or '/'" }),
  );

export class CreateFolderDto {
  @ApiProperty({ example: 'Contracts', minLength: 1, maxLength: 255, description: NAME_DESCRIPTION })
  @FolderName()
  name: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Parent folder (same tenant); omitted or null = top level',
  })
  @IsOptional()
  @IsUUID(undefined, { message: 'parentId must be a UUID' })
  parentId?: string | null;
}

export class UpdateFolderDto {
  @ApiPropertyOptional({ example: 'Contracts 2025', minLength: 1, maxLength: 255, description: `New name: ${NAME_DESCRIPTION}` })
  @ValidateIf((o: UpdateFolderDto) => o.name !== undefined) // null is refused, not ignored
  @FolderName()
  name?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'Move under this folder (same tenant); null = move to the top level; omitted = stay. ' +
      'A folder cannot be moved into itself or one of its descendants (400).',
  })
  @IsOptional()
  @IsUUID(undefined, { message: 'parentId must be a UUID' })
  parentId?: string | null;
}

export class ListFoldersQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the direct children of this folder (default: every folder of the tenant)' })
  @IsOptional()
  @IsUUID(undefined, { message: 'parentId must be a UUID' })
  parentId?: string;
}

export class FolderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null = top level' }) parentId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The creator (null once that user is deleted)' }) userId:
    string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class FolderListDto {
  @ApiProperty({ type: [FolderDto] }) items: FolderDto[];
}
