import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class UsageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 366, default: 30, description: 'How many days back, today (UTC) included' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'days must be an integer' })
  @Min(1)
  @Max(366)
  days?: number;
}

export class UsageDayDto {
  @ApiProperty({ example: '2026-12-01', description: 'UTC day' }) day: string;
  @ApiProperty({ enum: ['chat', 'embedding'] }) kind: 'chat' | 'embedding';
  @ApiProperty() model: string;
  @ApiProperty() promptTokens: number;
  @ApiProperty() completionTokens: number;
  @ApiProperty() requests: number;
}

export class UsageReportDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The tenant's daily chat token quota (settings.dailyTokenQuota); null = unlimited",
  })
  dailyTokenQuota: number | null;
  @ApiProperty({ description: 'Chat tokens used today (UTC), what the quota counts' }) usedToday: number;
  @ApiProperty({ type: [UsageDayDto], description: 'Newest day first' }) items: UsageDayDto[];
}
