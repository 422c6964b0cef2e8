import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { ChunkListDto, DocumentDto, DocumentListDto, ListDocumentsQuery, UploadDocumentDto, UploadedDocumentDto } from './documents.dto.js';
import { DocumentsService } from './documents.service.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';
import { RemoveUploadedFileInterceptor } from './remove-uploaded-file.interceptor.js';
import type { StoredUpload } from './upload-storage.js';

@ApiTags('documents')
@ApiBearerAuth()
@Controller('api/v1/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @RateLimited(RateClass.Upload)
  // Streamed to a private temporary file by PrivateUploadStorage (MulterModule in api.module.ts), removed afterwards.
  @UseInterceptors(RemoveUploadedFileInterceptor, FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadDocumentDto })
  @ApiAcceptedResponse({ type: UploadedDocumentDto, description: 'Stored and queued for ingestion' })
  @ApiOkResponse({ type: UploadedDocumentDto, description: 'The same bytes were already uploaded: the existing document (duplicate: true)' })
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
  @ApiErrors(400, 401)
  list(@Query() query: ListDocumentsQuery): Promise<DocumentListDto> {
    return this.documents.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: DocumentDto })
  @ApiErrors(400, 401, 404)
  get(@Param('id', UuidParam()) id: string): Promise<DocumentDto> {
    return this.documents.get(id);
  }

  @Get(':id/chunks')
  @ApiOkResponse({ type: ChunkListDto })
  @ApiErrors(400, 401, 404)
  chunks(@Param('id', UuidParam()) id: string): Promise<ChunkListDto> {
    return this.documents.chunks(id);
  }

  @Post(':id/reprocess')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DocumentDto })
  @ApiErrors(400, 401, 404, 409, 413, 429)
  reprocess(@Param('id', UuidParam()) id: string): Promise<DocumentDto> {
    return this.documents.reprocess(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its chunks and bytes; a running ingestion ends quietly' })
  @ApiErrors(400, 401, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.documents.delete(id);
  }
}
