import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import {
  ConversationDto,
  ConversationListDto,
  CreateConversationDto,
  ListConversationsQueryDto,
  ListMessagesQueryDto,
  MessageListDto,
  UpdateConversationDto,
} from './conversations.dto.js';
import { ConversationsService } from './conversations.service.js';

/**
 * Any tenant user (admin or member) keeps their own conversations. A tenant
 * admin may also read every conversation of the tenant, but change or delete
 * only their own. Someone else's conversation is a 404 for a member.
 */
@ApiTags('conversations')
@TenantAuth()
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a conversation',
    description:
      'Owned by the caller. `folderIds`/`documentIds` limit what the chat answers from; each must be a folder/document of your tenant (404 otherwise).',
  })
  @ApiCreatedResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 403, 404)
  create(@Body() dto: CreateConversationDto): Promise<ConversationDto> {
    return this.conversations.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List conversations',
    description:
      "Most recently updated first, paged by `cursor` (the previous page's `nextCursor`). `scope=own` (default): your conversations; " +
      '`scope=all`: every conversation of the tenant, for a tenant admin only (403 otherwise).',
  })
  @ApiOkResponse({ type: ConversationListDto })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListConversationsQueryDto): Promise<ConversationListDto> {
    return this.conversations.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a conversation', description: 'Your own, or (tenant admin) any of the tenant.' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Param('id', UuidParam()) id: string): Promise<ConversationDto> {
    return this.conversations.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a conversation',
    description:
      '`null` clears `title`/`systemPrompt`; `folderIds`/`documentIds` replace the scope (`[]` clears it). Owner only: ' +
      "a tenant admin gets 403 for someone else's conversation.",
  })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id', UuidParam()) id: string, @Body() dto: UpdateConversationDto): Promise<ConversationDto> {
    return this.conversations.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a conversation and its messages',
    description:
      "Owner only: a tenant admin gets 403 for someone else's conversation. The messages and their citations are deleted with it.",
  })
  @ApiNoContentResponse({ description: 'Deleted, with its messages' })
  @ApiErrors(400, 401, 403, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.conversations.delete(id);
  }

  @Get(':id/messages')
  @ApiOperation({
    summary: 'List the messages of a conversation',
    description:
      'Oldest first: the last `limit` messages (default 100), or, with `before`, the ones older than that message ' +
      '(page back with the id of the first message of the previous page until fewer than `limit` come back).',
  })
  @ApiOkResponse({ type: MessageListDto })
  @ApiErrors(400, 401, 403, 404)
  messages(@Param('id', UuidParam()) id: string, @Query() query: ListMessagesQueryDto): Promise<MessageListDto> {
    return this.conversations.messages(id, query);
  }
}
