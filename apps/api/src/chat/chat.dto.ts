import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class PostMessageDto {
  @ApiProperty({ example: 'How do I reset the device to factory settings?' })
  @IsString() @MinLength(1, { message: 'content must not be empty' }) @MaxLength(20000)
  content: string;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 20, description: 'Passages retrieved for the answer' })
  @IsOptional() @IsInt({ message: 'topK must be an integer' }) @Min(1) @Max(20)
  topK?: number;
}
