import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CitationDto } from '../chat/chat.dto.js';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class OpenAIMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'developer'] })
  @IsIn(['system', 'user', 'assistant', 'developer'], { message: 'messages.role must be system, developer, user or assistant' })
  role: 'system' | 'user' | 'assistant' | 'developer';

  @ApiProperty()
  @IsString({ message: 'messages.content must be a string' })
  @MaxLength(100_000)
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
  @IsArray()
  @ArrayMinSize(1, { message: 'messages must not be empty' })
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => OpenAIMessageDto)
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

export class OpenAIModelDto {
  @ApiProperty({ example: 'local-extractive', description: 'The chat model that answers (CHAT_MODEL)' }) id: string;
  @ApiProperty({ example: 'model' }) object: 'model';
  @ApiProperty({ example: 0 }) created: number;
  @ApiProperty({ example: 'ragdocs' }) owned_by: string;
}

export class OpenAIModelListDto {
  @ApiProperty({ example: 'list' }) object: 'list';
  @ApiProperty({ type: [OpenAIModelDto] }) data: OpenAIModelDto[];
}

export class OpenAIUsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
}

export class ChatCompletionMessageDto {
  @ApiProperty({ example: 'assistant' }) role: 'assistant';
  @ApiProperty() content: string;
  @ApiProperty({ nullable: true, type: String, example: null }) refusal: string | null;
}

export class ChatCompletionChoiceDto {
  @ApiProperty({ example: 0 }) index: number;
  @ApiProperty({ type: ChatCompletionMessageDto }) message: ChatCompletionMessageDto;
  @ApiProperty({ nullable: true, type: Object, example: null }) logprobs: null;
  @ApiProperty({ example: 'stop' }) finish_reason: string;
}

/** OpenAI's `chat.completion`, plus the passages the answer cites. */
export class ChatCompletionDto {
  @ApiProperty({ example: 'chatcmpl-3f2a…' }) id: string;
  @ApiProperty({ example: 'chat.completion' }) object: 'chat.completion';
  @ApiProperty({ description: 'Unix seconds' }) created: number;
  @ApiProperty() model: string;
  @ApiProperty({ type: [ChatCompletionChoiceDto] }) choices: ChatCompletionChoiceDto[];
  @ApiProperty({ type: OpenAIUsageDto }) usage: OpenAIUsageDto;
  @ApiProperty({ type: [CitationDto], description: "Not in OpenAI's schema: the passages the answer cites" }) citations: CitationDto[];
}

export class ChatCompletionDeltaDto {
  @ApiPropertyOptional({ example: 'assistant' }) role?: 'assistant';
  @ApiPropertyOptional() content?: string;
}

export class ChatCompletionChunkChoiceDto {
  @ApiProperty({ example: 0 }) index: number;
  @ApiProperty({ type: ChatCompletionDeltaDto }) delta: ChatCompletionDeltaDto;
  @ApiProperty({ nullable: true, type: Object, example: null }) logprobs: null;
  @ApiProperty({ nullable: true, type: String, example: null, description: '`stop` on the last chunk' }) finish_reason: string | null;
}

/** One `data:` event of the stream (`stream: true`); the stream ends with `data: [DONE]`. */
export class ChatCompletionChunkDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'chat.completion.chunk' }) object: 'chat.completion.chunk';
  @ApiProperty() created: number;
  @ApiProperty() model: string;
  @ApiProperty({ type: [ChatCompletionChunkChoiceDto] }) choices: ChatCompletionChunkChoiceDto[];
  @ApiPropertyOptional({ type: [CitationDto], description: 'On the last chunk' }) citations?: CitationDto[];
  @ApiPropertyOptional({ type: OpenAIUsageDto, description: 'On the last chunk, with stream_options.include_usage' })
  usage?: OpenAIUsageDto;
}

/** The event that ends a stream that failed after it started (OpenAI's error shape). */
export class ChatCompletionStreamErrorDto {
  @ApiProperty({ example: { message: 'The AI provider failed (500): … (request …)', type: 'server_error' } }) error: {
    message: string;
    type: string;
  };
}
