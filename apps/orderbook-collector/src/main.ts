import { createServiceLogger, runService } from '@collector/service-kit';
import { loadConfig } from './config.js';
import { startOrderbookCollector } from './service.js';

await runService({
  start: async () => {
    const config = loadConfig(process.env);
    const logger = createServiceLogger('orderbook-collector', config);
    logger.info({ symbols: config.symbolSelection, replica: config.replicaId, mode: config.mode, levels: config.levels, intervalMs: config.intervalMs }, 'starting');
    const service = await startOrderbookCollector(config, logger);
    return { service, logger };
  },
});
