import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '#libs/config/config.js';
import { createApiApp } from './app.factory.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const app = await createApiApp(config);
  await app.listen(config.port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  Logger.log(`API listening on ${url}  (Swagger UI: ${url}/docs)`, 'Bootstrap');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
