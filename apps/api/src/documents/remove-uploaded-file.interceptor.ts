import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { finalize, type Observable } from 'rxjs';
import { removeStoredFile } from './upload-storage.js';

/**
 * Removes the upload's temporary file once the request is over, whatever its end:
 * stored, duplicate, refused (400/415), failed, or a client that hung up while the
 * bytes were being written to PostgreSQL. Bound outside FileInterceptor, so it also
 * covers a request whose pipes reject it (bad folderId). multer itself removes what
 * it stored when the body fails or is aborted before the handler is reached.
 */
@Injectable()
export class RemoveUploadedFileInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Uploads');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      finalize(() => {
        const path = req.file?.path;
        if (path)
          removeStoredFile(path).catch((e: Error) => this.logger.error(`could not remove an upload's temporary file: ${e.message}`));
      }),
    );
  }
}
