import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

/** Per-minute request budgets of this tenant, overriding the RATE_LIMIT_* defaults (0 = unlimited). */
export class TenantLimitsDto {
  @ApiPropertyOptional({ example: 1200 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e6)
  searchPerMinute?: number;

  @ApiPropertyOptional({ example: 120 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e6)
  chatPerMinute?: number;

  @ApiPropertyOptional({ example: 600 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e6)
  uploadPerMinute?: number;

  @ApiPropertyOptional({ example: 300 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e6)
  openaiPerMinute?: number;
}

export class TenantSettingsDto {
  @ApiPropertyOptional({ description: 'Default system prompt for conversations' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  systemPrompt?: string;

  @ApiPropertyOptional({
    example: 'auto',
    description:
      "Keyword search language: `auto` (default) detects each document's language; a PostgreSQL text search configuration name (`english`, `german`, `simple`, …) fixes it for every document",
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]{2,63}$/, { message: 'settings.searchLanguage must be `auto` or a text search configuration name' })
  searchLanguage?: string;

  @ApiPropertyOptional({ description: 'Daily LLM token quota; unset = unlimited' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e12)
  dailyTokenQuota?: number;

  @ApiPropertyOptional({
    description:
      "Cap on the tenant's documents waiting or being ingested; past it uploads answer 429. Unset = INGESTION_MAX_QUEUED_DOCUMENTS",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_097_151)
  maxQueuedDocuments?: number;

  @ApiPropertyOptional({
    description:
      "Cap on the total bytes of the tenant's documents waiting or being ingested; past it uploads answer 429. Unset = INGESTION_MAX_QUEUED_BYTES",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  maxQueuedBytes?: number;

  @ApiPropertyOptional({ type: TenantLimitsDto, description: 'Request budgets per minute; unset fields use the server defaults' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantLimitsDto)
  limits?: TenantLimitsDto;
}

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'acme', description: 'Lowercase letters, digits and dashes; used to log in' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'slug must be 2-63 lowercase letters, digits or dashes' })
  slug: string;

  @ApiPropertyOptional({ type: TenantSettingsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantSettingsDto)
  settings?: TenantSettingsDto;
}

/** The name and/or the settings; `settings` replaces the whole settings object (send every setting to keep). */
export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme Corporation' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    type: TenantSettingsDto,
    description: 'Replaces the settings as a whole; unset fields fall back to the server defaults',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantSettingsDto)
  settings?: TenantSettingsDto;
}

export class TenantDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ type: TenantSettingsDto }) settings: TenantSettingsDto;
  @ApiProperty() createdAt: Date;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items: TenantDto[];
}
