import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit, nestLogLevels } from '#libs/config/config.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: nestLogLevels(config.logLevel) });
  // SIGTERM/SIGINT run the shutdown hooks: processors finish or hand back their job.
  app.enableShutdownHooks();
  await app.init();
  Logger.log(`worker ${process.pid} started (concurrency ${config.worker.concurrency})`, 'Bootstrap');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
