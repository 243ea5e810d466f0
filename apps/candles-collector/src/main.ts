import { createServiceLogger, runService } from '@collector/service-kit';
import { loadConfig } from './config.js';
import { startCandlesCollector } from './service.js';

await runService({
  start: async () => {
    const config = loadConfig(process.env);
    const logger = createServiceLogger('candles-collector', config);
    logger.info(
      { symbols: config.symbolSelection, replica: config.replicaId, intervals: config.intervals, startDate: new Date(config.startTime).toISOString().slice(0, 10), mode: config.realtimeMode, oneShot: config.endTime !== undefined },
      'starting',
    );
    const service = await startCandlesCollector(config, logger);
    return { service, logger };
  },
});
