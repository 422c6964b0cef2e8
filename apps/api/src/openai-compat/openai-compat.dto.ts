import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class OpenAIMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'developer'] })
  @IsIn(['system', 'user', 'assistant', 'developer'], { message: 'messages.role must be system, developer, user or assistant' })
  role: 'system' | 'user' | 'assistant' | 'developer';

  @ApiProperty()
  @IsString({ message: 'messages.content must be a string' }) @MaxLength(100_000)
  content: string;

  @ApiPropertyOptional() @IsOptional() @IsString() name?: string;
}

/**
 * The subset of the OpenAI Chat Completions request we honour. Unknown
 * sampling options that clients commonly send are accepted and ignored
 * rather than refused, so stock clients work unchanged.
 */
export class ChatCompletionRequestDto {
  @ApiProperty({ example: 'ragdocs' }) @IsString() model: string;

  @ApiProperty({ type: [OpenAIMessageDto] })
  @IsArray() @ArrayMinSize(1, { message: 'messages must not be empty' }) @ArrayMaxSize(200)
  @ValidateNested({ each: true }) @Type(() => OpenAIMessageDto)
  messages: OpenAIMessageDto[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() stream?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsObject() stream_options?: Record<string, unknown>;
  @ApiPropertyOptional() @IsOptional() @IsNumber() temperature?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() top_p?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) max_tokens?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) max_completion_tokens?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1) n?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() user?: string;
  @ApiPropertyOptional() @IsOptional() stop?: unknown;
  @ApiPropertyOptional() @IsOptional() @IsNumber() presence_penalty?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() frequency_penalty?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() seed?: number;
  @ApiPropertyOptional() @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}
