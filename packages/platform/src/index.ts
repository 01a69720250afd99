// Shared runtime pieces for every service: the wall clock, the redacting logger, config files.
export { fixedClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { createLogger, REDACT_PATHS, REDACTED, redactPii, scrubPii } from './logger.js';
export type { CreateLoggerOptions, DestinationStream, Logger } from './logger.js';
export { formatIssuePath, formatZodIssues, loadConfigFile, loadPolicy, loadRules, zodIssueLines } from './config-file.js';
export type { ConfigFileError, ConfigFileErrorCode, ConfigFileResult } from './config-file.js';
export { ConfigError, readEnvConfig } from './env-config.js';
export { boundPort, createHttpServer } from './http-server.js';
export type { HttpServerOptions } from './http-server.js';
export { shutdownSignal } from './shutdown-signal.js';
export { serviceEnv } from './service-env.js';
export type { ServiceEnv } from './service-env.js';
export { runMain } from './run-main.js';
export { loadRulesAndPolicy } from './rules-and-policy.js';
export { followUntil } from './follow-until.js';
export { delay } from './delay.js';
export { createProgress } from './progress.js';
export type { Progress, ProgressOptions, ProgressStream } from './progress.js';
