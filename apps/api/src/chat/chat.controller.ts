import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import type { Request, Response } from 'express';
import { RateClass, RateLimited } from '../admission/rate-class.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { streamErrorMessage } from '../common/stream-error.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { MessageDto } from '../conversations/conversations.dto.js';
import { ApiEventStream } from '../common/api-event-stream.decorator.js';
import { PostMessageDto, SseDoneEventDto, SseErrorEventDto, SseSourcesEventDto, SseTokenEventDto } from './chat.dto.js';
import { ConversationChatService } from './conversation-chat.service.js';
import { abortOnDisconnect, openEventStream, wantsEventStream } from './sse.js';

@ApiTags('conversations')
@TenantAuth()
@Controller('api/v1/conversations/:id/messages')
export class ChatController {
  constructor(private readonly chat: ConversationChatService) {}

  /**
   * With `Accept: text/event-stream`: events `sources`, `token`..., `done`
   * (or `error`). Otherwise 201 with the assistant message.
   */
  @Post()
  @RateLimited(RateClass.Chat)
  @ApiOperation({
    summary: 'Ask a question in a conversation',
    description:
      "Stores the question, retrieves passages from the conversation's scope and answers with citations. " +
      'With `Accept: text/event-stream` the answer streams (200); otherwise 201 with the stored assistant message. ' +
      'Errors before the stream starts are ordinary JSON errors; after, an `error` event ends the stream.',
  })
  @ApiCreatedResponse({ type: MessageDto, description: 'The assistant message (without Accept: text/event-stream)' })
  @ApiEventStream({
    description: 'With Accept: text/event-stream: sources, token…, then done (or error)',
    events: { sources: SseSourcesEventDto, token: SseTokenEventDto, done: SseDoneEventDto, error: SseErrorEventDto },
    example:
      'event: sources\ndata: {"items":[{"chunkId":"…","filename":"manual.pdf","section":null,"pageFrom":12,"pageTo":12,"similarity":0.61,…}]}\n\n' +
      'event: token\ndata: {"text":"Hold "}\n\n…\n\nevent: done\ndata: {"messageId":"…","usage":{"promptTokens":812,"completionTokens":64},"citations":[…]}\n\n',
  })
  @ApiErrors(400, 401, 404, 429, 502, 503)
  async post(@Param('id', UuidParam()) id: string, @Body() dto: PostMessageDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const abort = abortOnDisconnect(res);
    // Errors up to here (404, 429, 400) are ordinary JSON errors.
    const turn = await this.chat.begin(id, dto.content, dto.topK ?? 5, abort.signal);

    if (!wantsEventStream(req)) {
      const result = await this.chat.run(turn, () => undefined, abort.signal);
      const message = await this.chat.finish(id, turn, result);
      if (!res.writableEnded) res.status(201).json(message);
      return;
    }

    const sse = openEventStream(res, abort);
    try {
      sse.send('sources', { items: turn.hits });
      const result = await this.chat.run(turn, (text) => sse.send('token', { text }), abort.signal);
      const message = await this.chat.finish(id, turn, result);
      sse.send('done', { messageId: message.id, usage: result.usage, citations: result.citations });
    } catch (e) {
      sse.send('error', { message: streamErrorMessage(e, req) });
    } finally {
      sse.end();
    }
  }
}
