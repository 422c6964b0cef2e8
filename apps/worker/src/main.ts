import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '#libs/config/config.js';
import { bootLogger, loggerParams, printFatal } from '#libs/logging/app-logger.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logging = loggerParams(config, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logging), { logger: bootLogger(logging) });
  // SIGTERM/SIGINT run the shutdown hooks: processors finish or hand back their job.
  app.enableShutdownHooks();
  await app.init();
  Logger.log(`worker ${process.pid} started (concurrency ${config.worker.concurrency})`, 'Bootstrap');
}

main().catch((e) => {
  printFatal(e);
  process.exit(1);
});
