import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '#libs/config/config.js';
import { printFatal } from '#libs/logging/app-logger.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  // SIGTERM/SIGINT run the shutdown hooks: processors finish or hand back their job.
  app.enableShutdownHooks();
  await app.init();
  Logger.log(`worker ${process.pid} started (concurrency ${config.worker.concurrency})`, 'Bootstrap');
}

main().catch((e) => {
  printFatal(e);
  process.exit(1);
});
