import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, UnsupportedMediaTypeException } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import type { DocumentEntity } from '#libs/database/entities/index.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { describeFilename, detectFileType } from '#libs/ingestion/file-type.js';
import { IngestionQueue } from '#libs/queue/ingestion.queue.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import type { ChunkListDto, DocumentDto, DocumentListDto, ListDocumentsQuery, UploadedDocumentDto } from './documents.dto.js';
import { DocumentsRepository } from './documents.repository.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';

export const toDocumentDto = (d: DocumentEntity): DocumentDto => ({
  id: d.id, filename: d.filename, mimeType: d.mimeType, sizeBytes: Number(d.sizeBytes), status: d.status, error: d.error,
  pageCount: d.pageCount, chunkCount: d.chunkCount, progress: d.progress, folderId: d.folderId, createdAt: d.createdAt, updatedAt: d.updatedAt,
});


@Injectable()
export class DocumentsService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: DocumentsRepository,
    private readonly queue: IngestionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Bytes and row commit together; the job is added only after the commit
   * (ids only, jobId = documentId). If Redis is down the upload still
   * succeeds and the reconciler enqueues the document once Redis is back.
   */
  async upload(file: { buffer: Buffer; originalname: string; size: number } | undefined, folderId?: string): Promise<UploadedDocumentDto> {
    if (!file) throw new BadRequestException('file is required (multipart field "file")');
    if (file.size === 0) throw new BadRequestException('the file is empty');
    const type = detectFileType(file.buffer);
    if (!type) throw new UnsupportedMediaTypeException('unsupported file type: upload PDF, DOCX, HTML, Markdown or plain text (the type is read from the content, not the name)');
    const contentHash = createHash('sha256').update(file.buffer).digest('hex');
    const tenantId = currentTenantId();
    const id = randomUUID();

    const result = await this.db.run(async (m) => {
      const newId = await this.repo.insertWithFile(m, {
        tenantId, id, userId: currentContext().userId ?? null, folderId: folderId ?? null, filename: describeFilename(file.originalname),
        mimeType: type.mimeType, sizeBytes: file.size, contentHash, leaseSeconds: this.config.ingestion.leaseSeconds,
      }, file.buffer);
      if (newId) await recordAudit(m, 'document.uploaded', { type: 'document', id }, { sizeBytes: file.size, mimeType: type.mimeType });
      const doc = newId ? await this.repo.findById(m, newId) : await this.repo.findByHash(m, contentHash);
      return { doc: doc!, duplicate: !newId };
    });
    if (!result.duplicate) await this.queue.enqueue({ tenantId, documentId: id });
    return { ...toDocumentDto(result.doc), duplicate: result.duplicate };
  }

  async list(q: ListDocumentsQuery): Promise<DocumentListDto> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const page = await this.db.run((m) => this.repo.list(m, { folderId: q.folderId, status: q.status, limit: q.limit ?? 20, after }));
    return { items: page.rows.map(toDocumentDto), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  async get(id: string): Promise<DocumentDto> {
    const d = await this.db.run((m) => this.repo.findById(m, id));
    if (!d) throw new NotFoundException('Document not found');
    return toDocumentDto(d);
  }

  async chunks(id: string): Promise<ChunkListDto> {
    const rows = await this.db.run(async (m) => {
      if (!(await this.repo.findById(m, id))) throw new NotFoundException('Document not found');
      return this.repo.chunks(m, id);
    });
    return {
      items: rows.map((c) => ({
        id: c.id, index: c.chunkIndex, content: c.content, pageFrom: c.pageFrom, pageTo: c.pageTo, section: c.section ?? null,
        tokenCount: c.tokenCount, charStart: c.charStart, charEnd: c.charEnd, model: c.model,
      })),
    };
  }

  async reprocess(id: string): Promise<DocumentDto> {
    const doc = await this.db.run(async (m) => {
      const outcome = await this.repo.requeue(m, id, this.config.ingestion.leaseSeconds);
      if (outcome === 'missing') throw new NotFoundException('Document not found');
      if (outcome === 'busy') throw new ConflictException('The document is being processed; try again when it is ready or failed');
      await recordAudit(m, 'document.reprocessed', { type: 'document', id });
      return (await this.repo.findById(m, id))!;
    });
    await this.queue.enqueue({ tenantId: doc.tenantId, documentId: id }, { replaceFinished: true });
    return toDocumentDto(doc);
  }

  async delete(id: string): Promise<void> {
    await this.db.run(async (m) => {
      if (!(await this.repo.delete(m, id))) throw new NotFoundException('Document not found');
      await recordAudit(m, 'document.deleted', { type: 'document', id });
    });
    await this.queue.discard(id);
  }
}
