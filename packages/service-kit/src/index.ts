export { ConfigError } from './config-error.js';
export {
  DEFAULT_SYMBOLS,
  LOG_FORMATS,
  LOG_LEVELS,
  loadCommonConfig,
  parseChoiceEnv,
  parseDurationEnv,
  parseNumberEnv,
  parseUrlEnv,
  parseUtcDate,
  readEnv,
  redactUrl,
  redisTargetOf,
  type CommonConfig,
  type Env,
  type LogFormat,
  type LogLevel,
  type NumberCheck,
} from './env.js';
export { localUrl, startHealthServer, type HealthServer, type HealthServerOptions, type ReadinessChecks, type RouteHandler } from './http-server.js';
export { runService, type RunningService, type RunServiceOptions } from './lifecycle.js';
export { createServiceLogger, resolveLogFormat, type Logger, type LoggerSettings } from './logger.js';
export { DEFAULT_STATUS_LINE_OPTIONS, formatStatusLine, startStatusLine, type StatusLineOptions } from './status-line.js';
export { counter, createMetricsRegistry, gauge, Counter, Gauge, Histogram, Registry } from './metrics.js';
export { isFixedSelection, parseSymbolSelection, selectSymbols, type ListedSymbol, type SelectedSymbols, type SymbolSelection } from './symbol-selection.js';
export { DEFAULT_REPLICA_CONFIG, loadReplicaConfig, type ReplicaConfig } from './replica-config.js';
export { startScriptNodeFlags } from './start-flags.js';
export { startSymbolWatch, type SymbolWatch, type SymbolWatchOptions } from './symbol-watch.js';
export { DEFAULT_WORK_SHARE_OPTIONS, startWorkShare, type WorkShare, type WorkShareOptions } from './work-share.js';
