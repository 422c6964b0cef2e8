import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { PrivateUploadStorage } from './upload-storage.js';

export const UPLOAD_STORAGE = Symbol('UPLOAD_STORAGE');

/** Removes the process's private upload directory when the app closes (a crashed process's is removed at the next start). */
@Injectable()
export class UploadStorageLifecycle implements OnApplicationShutdown {
  constructor(@Inject(UPLOAD_STORAGE) private readonly storage: PrivateUploadStorage) {}

  onApplicationShutdown(): void {
    this.storage.dispose();
  }
}
