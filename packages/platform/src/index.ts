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
// Signed ingest, API tokens, limits and development mode.
export { installAccessControl } from './security/access-control.js';
export type { AccessControlOptions, RouteAccess } from './security/access-control.js';
export { announceSecurityMode, assertListenAllowed, isLoopbackHost, securityModeLine } from './security/dev-mode.js';
export { createRateLimiter } from './security/token-bucket.js';
export type { RateLimiter, TakeResult, TokenBucketLimits } from './security/token-bucket.js';
export { createSeenWebhookIds } from './security/seen-webhook-ids.js';
export type { SeenResult, SeenWebhookIds } from './security/seen-webhook-ids.js';
export {
  ApiRole,
  ApiToken,
  DEFAULT_INGEST_LIMITS,
  developmentSecurity,
  hashToken,
  Integration,
  loadSecurityConfig,
  SecretsFile,
  WebhookSecret,
} from './security/security-config.js';
export type { IngestLimits, SecurityConfig, ServerTimeouts } from './security/security-config.js';
export { MIN_SECRET_BYTES, SIGNATURE_HEADERS, signWebhook, verifyWebhookSignature, WEBHOOK_SECRET_PATTERN } from './security/webhook-signature.js';
export type { SignatureCheck, SignatureFailure, SignedRequest } from './security/webhook-signature.js';
