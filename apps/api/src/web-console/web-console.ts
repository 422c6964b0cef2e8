import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';

/**
 * Where `npm run build` puts the web console (apps/web, built by Vite): dist/web, beside the
 * compiled dist/apps. This file compiles to dist/apps/api/src/web-console/web-console.js.
 */
export const WEB_CONSOLE_DIR = fileURLToPath(new URL('../../../../web/', import.meta.url));

/** Files under assets/ carry a content hash in their name: a new build gives new names, so they never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the web console's static files at `/` (index.html) and `/assets/*`. Only files that
 * exist are answered; every other path falls through to the API's routes untouched. The
 * console routes in the URL fragment (`/#/documents`), so there is no catch-all fallback that
 * could shadow /api, /openai, /docs, /admin, /health or /metrics. index.html is `no-cache`
 * (revalidated on every load, so a deploy shows at once); the hashed assets are immutable.
 * Returns false when the console was not built (the API works without it).
 */
export function serveWebConsole(app: NestExpressApplication, dir = WEB_CONSOLE_DIR): boolean {
  if (!existsSync(join(dir, 'index.html'))) return false;
  const assets = join(dir, 'assets') + sep;
  app.useStaticAssets(dir, {
    index: 'index.html',
    redirect: false,
    dotfiles: 'ignore',
    etag: true,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('Cache-Control', path.startsWith(assets) ? IMMUTABLE : 'no-cache');
    },
  });
  return true;
}
