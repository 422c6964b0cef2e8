import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SearchHitDto } from '../search/search.dto.js';

export class PostMessageDto {
  @ApiProperty({ example: 'How do I reset the device to factory settings?' })
  @IsString()
  @MinLength(1, { message: 'content must not be empty' })
  @MaxLength(20000)
  content: string;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 20, description: 'Passages retrieved for the answer' })
  @IsOptional()
  @IsInt({ message: 'topK must be an integer' })
  @Min(1)
  @Max(20)
  topK?: number;
}

/** A passage an answer cites (conversation messages' metadata, the SSE `done` event, the OpenAI-compatible `citations`). */
export class CitationDto {
  @ApiProperty({ format: 'uuid' }) chunkId: string;
  @ApiProperty({ format: 'uuid' }) documentId: string;
  @ApiProperty() filename: string;
  @ApiProperty() pageFrom: number;
  @ApiProperty() pageTo: number;
  @ApiProperty({ nullable: true, type: String, description: "Heading path of the passage's section; null where the format has none (PDF)" })
  section: string | null;
  @ApiProperty({ description: '1 - cosine distance between the question and the passage' }) similarity: number;
}

export class ChatUsageDto {
  @ApiProperty() promptTokens: number;
  @ApiProperty() completionTokens: number;
}

/** The data of the stream's events (Server-Sent Events, one JSON object per `data:` line). */
export class SseSourcesEventDto {
  @ApiProperty({ type: [SearchHitDto], description: 'event `sources`, first: the passages the answer is grounded in' })
  items: SearchHitDto[];
}

export class SseTokenEventDto {
  @ApiProperty({ description: 'event `token`, many: the next piece of the answer' }) text: string;
}

export class SseDoneEventDto {
  @ApiProperty({ format: 'uuid', description: 'event `done`, last: the stored assistant message' }) messageId: string;
  @ApiProperty({ type: ChatUsageDto }) usage: ChatUsageDto;
  @ApiProperty({ type: [CitationDto] }) citations: CitationDto[];
}

export class SseErrorEventDto {
  @ApiProperty({ description: 'event `error`, last instead of `done`: what failed, with the request id' }) message: string;
}
