import { isIP } from 'node:net';
import { ConfigError } from '../config-error.js';
import type { Logger } from '../logger.js';
import type { SecurityConfig } from './security-config.js';

/** Loopback only: `localhost`, 127.0.0.0/8, ::1. Wildcards (0.0.0.0, ::) are not loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * With nothing configured, anyone who can reach the port could post events and read tickets:
 * acceptable on the developer's own machine only. Refuses any other address.
 */
export function assertListenAllowed(security: SecurityConfig, host: string): void {
  if (security.mode === 'development' && !isLoopbackHost(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} in development mode (no webhook secrets and no API tokens configured); ` +
        'configure TICKETS_WEBHOOK_SECRETS / TICKETS_API_TOKENS or TICKETS_SECRETS_FILE, or listen on 127.0.0.1',
    );
  }
}

/** The first line a server logs: which mode it runs in, so nobody runs development mode unawares. */
export function securityModeLine(security: SecurityConfig): {
  readonly fields: Record<string, unknown>;
  readonly message: string;
} {
  if (security.mode === 'development') {
    return {
      fields: { securityMode: 'development' },
      message:
        'development mode: no webhook secrets and no API tokens configured, unsigned events and unauthenticated reads are accepted, loopback only',
    };
  }
  return {
    fields: {
      securityMode: 'secured',
      integrations: security.integrations.map((integration) => integration.name),
      tokens: security.tokens.length,
    },
    message: 'secured mode: signed events and bearer tokens required',
  };
}

/**
 * Refuses a development-mode server anywhere but loopback, then logs the mode; call it before
 * anything else logs, so the mode is the server's first line.
 */
export function announceSecurityMode(security: SecurityConfig, host: string, logger: Logger): void {
  assertListenAllowed(security, host);
  const line = securityModeLine(security);
  if (security.mode === 'development') logger.warn({ ...line.fields, host }, line.message);
  else logger.info({ ...line.fields, host }, line.message);
}
