import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Semaphore } from '#libs/concurrency/semaphore.js';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import type { DocumentEntity } from '#libs/database/entities/index.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { describeFilename } from '#libs/ingestion/file-type.js';
import { IngestionQueue } from '#libs/queue/ingestion.queue.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import type { ChunkListDto, DocumentDto, DocumentListDto, ListDocumentsQuery, UploadedDocumentDto } from './documents.dto.js';
import { DocumentsRepository } from './documents.repository.js';
import { assertWithinCaps } from './queue-caps.js';
import type { StoredUpload } from './upload-storage.js';
import { detectUploadType } from './upload-type.js';
import { decodeCursor } from '../common/cursor.js';
import { toPageDto } from '../common/keyset-page.js';

export const toDocumentDto = (d: DocumentEntity): DocumentDto => ({
  id: d.id,
  filename: d.filename,
  mimeType: d.mimeType,
  sizeBytes: Number(d.sizeBytes),
  status: d.status,
  error: d.error,
  pageCount: d.pageCount,
  chunkCount: d.chunkCount,
  progress: d.progress,
  folderId: d.folderId,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

@Injectable()
export class DocumentsService {
  /**
   * How many uploads this process streams into PostgreSQL at once (UPLOAD_STORE_CONCURRENCY).
   * Writing 45 MB takes a connection for a second or more; 20 large uploads finishing together
   * took every connection of the pool (others waited past DB_CONNECT_TIMEOUT_MS). Waiting here
   * costs no connection and no memory: the bytes wait on disk, so the wait is not bounded (the
   * client has already sent everything; refusing it now would only make it send it again).
   */
  private readonly storeSlots: Semaphore;

  constructor(
    private readonly db: TenantDb,
    private readonly repo: DocumentsRepository,
    private readonly queue: IngestionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.storeSlots = new Semaphore(config.uploads.storeConcurrency);
  }

  /**
   * Bytes and row commit together; the job is added only after the commit
   * (ids only, jobId = documentId). If Redis is down the upload still
   * succeeds and the reconciler enqueues the document once Redis is back.
   *
   * The file has been received in full into a temporary file (PrivateUploadStorage),
   * hashed and its head kept on the way: the transaction, and so the pooled
   * connection, starts only now, and the bytes stream from disk into PostgreSQL.
   */
  async upload(file: StoredUpload | undefined, folderId?: string): Promise<UploadedDocumentDto> {
    if (!file) throw new BadRequestException('file is required (multipart field "file")');
    if (file.size === 0) throw new BadRequestException('the file is empty');
    const type = await detectUploadType(file);
    if (!type)
      throw new UnsupportedMediaTypeException(
        'unsupported file type: upload PDF, DOCX, HTML, Markdown or plain text (the type is read from the content, not the name)',
      );
    const contentHash = file.sha256;
    const tenantId = currentTenantId();
    const id = randomUUID();

    const result = await this.storeSlots.use(() =>
      this.db.run(async (m) => {
        // Bytes the tenant already has queue nothing new: the duplicate answer, whatever the caps.
        const existing = await this.repo.findByHash(m, contentHash);
        if (existing) return { doc: existing, duplicate: true, rank: 0 };
        // Checked before the bytes are sent, so a refused upload writes nothing.
        const rank = await this.admit(m, tenantId, file.size, 1);
        const newId = await this.repo.insertWithFile(
          m,
          {
            tenantId,
            id,
            userId: currentContext().userId ?? null,
            folderId: folderId ?? null,
            filename: describeFilename(file.originalname),
            mimeType: type.mimeType,
            sizeBytes: file.size,
            contentHash,
            leaseSeconds: this.config.ingestion.leaseSeconds,
          },
          file,
        );
        if (newId) await recordAudit(m, 'document.uploaded', { type: 'document', id }, { sizeBytes: file.size, mimeType: type.mimeType });
        const doc = newId ? await this.repo.findById(m, newId) : await this.repo.findByHash(m, contentHash);
        return { doc: doc!, duplicate: !newId, rank };
      }),
    );
    if (!result.duplicate) await this.queue.enqueue({ tenantId, documentId: id }, { rank: result.rank });
    return { ...toDocumentDto(result.doc), duplicate: result.duplicate };
  }

  async list(q: ListDocumentsQuery): Promise<DocumentListDto> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const page = await this.db.run((m) => this.repo.list(m, { folderId: q.folderId, status: q.status, limit: q.limit ?? 20, after }));
    return toPageDto(page, toDocumentDto);
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
        id: c.id,
        index: c.chunkIndex,
        content: c.content,
        pageFrom: c.pageFrom,
        pageTo: c.pageTo,
        section: c.section ?? null,
        tokenCount: c.tokenCount,
        charStart: c.charStart,
        charEnd: c.charEnd,
        model: c.model,
      })),
    };
  }

  async reprocess(id: string): Promise<DocumentDto> {
    const { doc, rank } = await this.db.run(async (m) => {
      const outcome = await this.repo.requeue(m, id, this.config.ingestion.leaseSeconds);
      if (outcome === 'missing') throw new NotFoundException('Document not found');
      if (outcome === 'busy') throw new ConflictException('The document is being processed; try again when it is ready or failed');
      const doc = (await this.repo.findById(m, id))!;
      // Reprocessing queues work like an upload does, so it counts against the same caps
      // (the requeued row is already in the count: the transaction rolls back if it is refused).
      const rank = await this.admit(m, doc.tenantId, Number(doc.sizeBytes), 0);
      await recordAudit(m, 'document.reprocessed', { type: 'document', id });
      return { doc, rank };
    });
    await this.queue.enqueue({ tenantId: doc.tenantId, documentId: id }, { rank, replaceFinished: true });
    return toDocumentDto(doc);
  }

  /**
   * Checks the tenant's caps on unfinished documents (429 past them), counting
   * `uncounted` more document(s) of `bytes` not yet written, and returns the
   * document's rank in its tenant's backlog: its queue priority.
   */
  private async admit(m: EntityManager, tenantId: string, bytes: number, uncounted: 0 | 1): Promise<number> {
    const b = await this.repo.backlog(m, tenantId);
    const backlog = { ...b, queued: b.queued + uncounted, unfinished: b.unfinished + uncounted, bytes: b.bytes + uncounted * bytes };
    assertWithinCaps(backlog, this.config.ingestion, bytes);
    return backlog.queued;
  }

  async delete(id: string): Promise<void> {
    await this.db.run(async (m) => {
      if (!(await this.repo.delete(m, id))) throw new NotFoundException('Document not found');
      await recordAudit(m, 'document.deleted', { type: 'document', id });
    });
    await this.queue.discard(id);
  }
}
