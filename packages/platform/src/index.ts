// Shared runtime pieces for every service: the wall clock, the redacting logger, config files.
export { fixedClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { createLogger, REDACT_PATHS, REDACTED, redactPii, redactQuery, scrubPii } from './logger.js';
export type { CreateLoggerOptions, DestinationStream, Logger } from './logger.js';
export { formatIssuePath, formatZodIssues, loadConfigFile, zodIssueLines } from './config-file.js';
export type { ConfigFileError, ConfigFileErrorCode, ConfigFileResult } from './config-file.js';
export { ConfigError } from './config-error.js';
// The one configuration, read once at start-up (docs/configuration.md).
export { DEFAULT_STORE_URL, defaultConfig, LogLevel, parseFlag, readConfig } from './config/tickets-config.js';
export type { PiiSettings, TicketsConfig } from './config/tickets-config.js';
export { KafkaBrokers, KafkaEnv, KafkaSettings } from './config/kafka-env.js';
export { boundPort, createHttpServer, errorBody, MAX_PARAM_LENGTH } from './http-server.js';
export type { ErrorBody, HttpServerOptions } from './http-server.js';
export { shutdownSignal } from './shutdown-signal.js';
export type { ShutdownOptions } from './shutdown-signal.js';
export { OpsEnv, opsEnvShape } from './ops-env.js';
export type { PipelineMetrics, InboundOutcomeLabel, Stage, StopTimer } from './metrics/pipeline-metrics.port.js';
export { noopMetrics } from './metrics/noop-metrics.js';
export { createPrometheusMetrics } from './metrics/prometheus-metrics.js';
export type { PrometheusMetrics, PrometheusMetricsOptions } from './metrics/prometheus-metrics.js';
export { fromContext, readTraceContext, toContext, traceFields, traceIdOf } from './tracing/trace-context.js';
export type { TraceContext } from './tracing/trace-context.js';
export { startStageSpan } from './tracing/stage-span.js';
export type { StageSpan } from './tracing/stage-span.js';
export { checkReadiness } from './readiness/readiness-check.js';
export type { ReadinessCheck, ReadinessReport } from './readiness/readiness-check.js';
export { serviceMetrics } from './metrics/service-metrics.js';
export type { ServiceMetrics } from './metrics/service-metrics.js';
export { opsRoutes } from './http/ops-routes.js';
export type { OpsRoutesOptions } from './http/ops-routes.js';
export { traceLogging } from './http/trace-logging.js';
export { runMain } from './run-main.js';
export { followUntil } from './follow-until.js';
export { rememberRecent } from './remember-recent.js';
// The one abortable delay lives with the retry helper, which the event store may use too.
export { delay } from '@tickets/retry';
export { createProgress } from './progress.js';
export type { Progress, ProgressOptions, ProgressStream } from './progress.js';
// Signed ingest, API tokens, limits and development mode.
export { installAccessControl } from './security/access-control.js';
export type { AccessControlOptions, RouteAccess } from './security/access-control.js';
export { announceSecurityMode, assertListenAllowed, isLoopbackHost, securityModeLine } from './security/dev-mode.js';
export { createRateLimiter } from './security/token-bucket.js';
export type { RateLimiter, TakeResult, TokenBucketLimits } from './security/token-bucket.js';
export { createSeenWebhookIds } from './security/seen-webhook-ids.js';
export type { SeenResult, SeenWebhookIds } from './security/seen-webhook-ids.js';
export {
  ANY_INTEGRATION,
  ApiRole,
  ApiToken,
  DEFAULT_INGEST_LIMITS,
  developmentSecurity,
  hashToken,
  loadSecurityConfigWith,
  WebhookSecret,
} from './security/security-config.js';
export type {
  IngestLimits,
  SecuritySettings,
  Integration,
  IntegrationScope,
  SecurityConfig,
  ServerTimeouts,
} from './security/security-config.js';
export {
  MIN_SECRET_BYTES,
  SIGNATURE_HEADERS,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_SECRET_PATTERN,
} from './security/webhook-signature.js';
export type { SignatureCheck, SignatureFailure, SignedRequest } from './security/webhook-signature.js';
export { decodeUtf8 } from './utf8.js';
