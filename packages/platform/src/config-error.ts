/**
 * A configuration problem found at start-up: every problem at once, then the process exits. In a
 * module of its own (`@tickets/platform/config-error`) so that packages which only throw it do not
 * load the HTTP server, metrics and tracing with the rest of the platform.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG.INVALID';
}
