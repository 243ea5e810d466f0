export { ConfigError } from './config-error.js';
export {
  DEFAULT_SYMBOLS,
  LOG_LEVELS,
  loadCommonConfig,
  parseChoiceEnv,
  parseDurationEnv,
  parseNumberEnv,
  parseSymbolList,
  parseUrlEnv,
  parseUtcDate,
  readEnv,
  redactUrl,
  redisTargetOf,
  type CommonConfig,
  type Env,
  type LogLevel,
  type NumberCheck,
} from './env.js';
export { startHealthServer, type HealthServer, type HealthServerOptions, type ReadinessChecks } from './http-server.js';
export { runService, type RunningService, type RunServiceOptions } from './lifecycle.js';
export { createServiceLogger, type Logger } from './logger.js';
export { counter, createMetricsRegistry, gauge, Counter, Gauge, Registry } from './metrics.js';
export { isFixedSelection, parseSymbolSelection, selectSymbols, type ListedSymbol, type SelectedSymbols, type SymbolSelection } from './symbol-selection.js';
export { DEFAULT_WORK_SHARE_OPTIONS, startWorkShare, type WorkShare, type WorkShareOptions } from './work-share.js';
