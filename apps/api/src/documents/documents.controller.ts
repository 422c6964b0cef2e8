import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { ChunkListDto, DocumentDto, DocumentListDto, ListDocumentsQuery, UploadDocumentDto, UploadedDocumentDto } from './documents.dto.js';
import { DocumentsService } from './documents.service.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';
import { RemoveUploadedFileInterceptor } from './remove-uploaded-file.interceptor.js';
import type { StoredUpload } from './upload-storage.js';

@ApiTags('documents')
@TenantAuth()
@Controller('api/v1/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @RateLimited(RateClass.Upload)
  @ApiOperation({
    summary: 'Upload a document',
    description:
      "Multipart field `file`: PDF, DOCX, HTML, Markdown or plain text (the type is read from the content). Stored, then ingested by a worker: 202 `queued`; the same bytes again answer 200 with the existing document (`duplicate: true`). 413 past UPLOAD_MAX_BYTES, 415 for other types, 429 past the tenant's queue caps.",
  })
  // Streamed to a private temporary file by PrivateUploadStorage (MulterModule in api.module.ts), removed afterwards.
  @UseInterceptors(RemoveUploadedFileInterceptor, FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadDocumentDto })
  @ApiAcceptedResponse({ type: UploadedDocumentDto, description: 'Stored and queued for ingestion' })
  @ApiOkResponse({
    type: UploadedDocumentDto,
    description: 'The same bytes were already uploaded: the existing document (duplicate: true)',
  })
  @ApiErrors(400, 401, 404, 413, 415, 429)
  async upload(
    @UploadedFile() file: StoredUpload | undefined,
    @Body() body: UploadDocumentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UploadedDocumentDto> {
    const doc = await this.documents.upload(file, body.folderId);
    res.status(doc.duplicate ? 200 : 202);
    return doc;
  }

  @Get()
  @ApiOkResponse({ type: DocumentListDto })
  @ApiOperation({
    summary: 'List documents',
    description: "Newest first, paged by `cursor` (the previous page's `nextCursor`); filter by `folderId` and `status`.",
  })
  @ApiErrors(400, 401)
  list(@Query() query: ListDocumentsQuery): Promise<DocumentListDto> {
    return this.documents.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: DocumentDto })
  @ApiOperation({
    summary: 'Get a document',
    description: 'Status (`queued`, `processing` with `progress`, `ready`, `failed` with `error`), page and chunk counts.',
  })
  @ApiErrors(400, 401, 404)
  get(@Param('id', UuidParam()) id: string): Promise<DocumentDto> {
    return this.documents.get(id);
  }

  @Get(':id/chunks')
  @ApiOperation({ summary: "List a document's chunks", description: 'In order, with their text, pages, section and token count.' })
  @ApiOkResponse({ type: ChunkListDto })
  @ApiErrors(400, 401, 404)
  chunks(@Param('id', UuidParam()) id: string): Promise<ChunkListDto> {
    return this.documents.chunks(id);
  }

  @Post(':id/reprocess')
  @ApiOperation({
    summary: 'Ingest a document again',
    description:
      'Queues a ready or failed document for another run (409 while it is processing). Counts against the queue caps like an upload.',
  })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DocumentDto })
  @ApiErrors(400, 401, 404, 409, 413, 429)
  reprocess(@Param('id', UuidParam()) id: string): Promise<DocumentDto> {
    return this.documents.reprocess(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a document', description: 'With its chunks and bytes; an ingestion under way ends quietly.' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its chunks and bytes; a running ingestion ends quietly' })
  @ApiErrors(400, 401, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.documents.delete(id);
  }
}
