import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '#libs/config/config.js';
import { WorkerModule } from './worker.module.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

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
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  // SIGTERM/SIGINT run the shutdown hooks: processors finish or hand back their job.
  app.enableShutdownHooks();
  await app.init();
  Logger.log(`worker ${process.pid} started (concurrency ${config.worker.concurrency})`, 'Bootstrap');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
