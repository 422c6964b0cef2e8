import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '#libs/config/config.js';
import { printFatal } from '#libs/logging/app-logger.js';
import { createApiApp } from './app.factory.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  await app.listen(config.port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  Logger.log(`API listening on ${url}  (Swagger UI: ${url}/docs)`, 'Bootstrap');
}

main().catch((e) => {
  printFatal(e);
  process.exit(1);
});
