import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../config-error.js';
import { formatZodIssues } from '../zod-issues.js';
import { MIN_SECRET_BYTES, secretKey, WEBHOOK_SECRET_PATTERN } from './webhook-signature.js';

export const WebhookSecret = z
  .string()
  .regex(WEBHOOK_SECRET_PATTERN, 'expected whsec_ followed by the base64 key')
  .refine(
    (secret) => secretKey(secret).length >= MIN_SECRET_BYTES,
    `the key must be at least ${MIN_SECRET_BYTES} bytes`,
  );

export const RateLimitSettings = z.object({
  perSecond: z.number().positive(),
  burst: z.number().int().positive(),
});

/** `*`: any integration's tickets, including those opened without one. */
export const ANY_INTEGRATION = '*';

/**
 * The secrets file's integration schemas. Channel names are the domain's, which the platform does not
 * know: the caller passes their schema (@tickets/streams' loadSecurityConfig passes the domain's).
 */
function integrationSchemas(channel: z.ZodType<string>) {
  /**
   * What an integration's events may do, beyond whose `source` they carry. Without it an integration
   * may name only itself in `data.integration`, on any channel, and touch only tickets opened for it.
   */
  const IntegrationScope = z.strictObject({
    /** Values its `message.received` and `ticket.created` may give `data.integration` (default: its name). */
    integrations: z.array(z.string().min(1).max(256)).min(1).optional(),
    /** Channels those events may name (default: any). */
    channels: z.array(channel).min(1).optional(),
    /**
     * Integrations whose tickets its events may act on: agent events (`message.sent`, `ticket.closed`,
     * `ticket.tagged`, `ticket.assigned`) and the ticket a message lands on. Always includes the
     * `integrations` above; `*` = any ticket (a helpdesk serving every channel).
     */
    tickets: z.array(z.string().min(1).max(256)).min(1).optional(),
  });
  /** One sending integration: the CloudEvents `source` prefixes it owns and its current secrets. */
  const Integration = z.object({
    name: z.string().min(1),
    sources: z.array(z.string().min(1)).min(1),
    /** Several during a rotation: a signature by any of them is valid. */
    secrets: z.array(WebhookSecret).min(1),
    /** Overrides the default per-integration rate limit. */
    rateLimit: RateLimitSettings.optional(),
    scope: IntegrationScope.optional(),
  });
  return { IntegrationScope, Integration };
}
export type IntegrationScope = z.infer<ReturnType<typeof integrationSchemas>['IntegrationScope']>;
export type Integration = z.infer<ReturnType<typeof integrationSchemas>['Integration']>;

export const ApiRole = z.enum(['read', 'admin']);
export type ApiRole = z.infer<typeof ApiRole>;

/**
 * An API token as configured: its SHA-256, never the token. A plain digest is enough, and fast on
 * every request, because tokens are long random strings (`openssl rand -hex 32`): there is no
 * dictionary to try, which is what bcrypt/argon2's slowness protects passwords from.
 */
export const ApiToken = z.object({
  name: z.string().min(1).optional(),
  role: ApiRole,
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected the SHA-256 of the token, 64 hex digits')
    .transform((hex) => hex.toLowerCase()),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** The secrets file (`TICKETS_SECRETS_FILE`, YAML or JSON); kept out of the repository. */
const secretsFile = (integration: z.ZodType<Integration>) =>
  z.strictObject({
    integrations: z.array(integration).default([]),
    tokens: z.array(ApiToken).default([]),
  });

/** The SHA-256 (hex) a token is configured by. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

// `prefix=whsec_…` pairs separated by whitespace or commas; one prefix given twice = two secrets
// (a rotation). The integration is named after its prefix.
function integrationsFromList(text: string): unknown {
  const bySource = new Map<string, string[]>();
  for (const pair of text.split(/[\s,]+/).filter((part) => part !== '')) {
    const at = pair.lastIndexOf('=whsec_');
    const source = at > 0 ? pair.slice(0, at) : pair;
    const secret = at > 0 ? pair.slice(at + 1) : '';
    bySource.set(source, [...(bySource.get(source) ?? []), secret]);
  }
  return [...bySource].map(([source, secrets]) => ({ name: source, sources: [source], secrets }));
}

function tokensFromList(text: string): unknown {
  return text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map((pair) => {
      const [role, sha256] = pair.split('=', 2);
      return { role, sha256 };
    });
}

const jsonOr = (fromList: (text: string) => unknown) => (value: unknown) => {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (!text.startsWith('[')) return fromList(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // fails the array schema with a clear message
  }
};

/** Sizes refused before anything is decided: HTTP answers 413, Kafka dead-letters the record. */
export interface IngestLimits {
  /** Largest serialized event, in bytes. */
  readonly maxEventBytes: number;
  /** Largest HTTP request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Most events in one HTTP request. */
  readonly maxBatchEvents: number;
  /** Longest `data.message.body`, in characters. */
  readonly maxMessageChars: number;
  /**
   * How far ahead of its receipt an event's `time` may be, in seconds (live ingest: HTTP and Kafka).
   * A time far in the future would hold reopen windows and timers open for ever.
   */
  readonly maxFutureSeconds: number;
}

/** How long a client may take: the whole request, and silence on an open connection. */
export interface ServerTimeouts {
  readonly requestMs: number;
  readonly idleMs: number;
}

// The defaults, each written once: the variables' defaults and development mode both use them.
export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxEventBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxBatchEvents: 1_000,
  maxMessageChars: 16 * 1024,
  maxFutureSeconds: 300,
};
const DEFAULT_TIMEOUTS: ServerTimeouts = { requestMs: 30_000, idleMs: 10_000 };
const DEFAULT_RATE_LIMIT = { perSecond: 500, burst: 2_000 } as const;
const DEFAULT_TOLERANCE_SECONDS = 300;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The security variables (part of the one configuration read at start-up, config/tickets-config.ts).
 * Channels are checked against the domain's later, by loadSecurityConfigWith: here any name passes.
 */
export const securityEnvShape = (() => {
  const { Integration } = integrationSchemas(z.string().min(1));
  return {
    TICKETS_WEBHOOK_SECRETS: z.preprocess(jsonOr(integrationsFromList), z.array(Integration).optional()),
    TICKETS_API_TOKENS: z.preprocess(jsonOr(tokensFromList), z.array(ApiToken).optional()),
    TICKETS_SECRETS_FILE: z.string().min(1).optional(),
    TICKETS_SIGNATURE_TOLERANCE_SECONDS: positiveInt(DEFAULT_TOLERANCE_SECONDS),
    TICKETS_MAX_EVENT_BYTES: positiveInt(DEFAULT_INGEST_LIMITS.maxEventBytes),
    TICKETS_MAX_BODY_BYTES: positiveInt(DEFAULT_INGEST_LIMITS.maxBodyBytes),
    TICKETS_MAX_BATCH_EVENTS: positiveInt(DEFAULT_INGEST_LIMITS.maxBatchEvents),
    TICKETS_MAX_MESSAGE_CHARS: positiveInt(DEFAULT_INGEST_LIMITS.maxMessageChars),
    TICKETS_MAX_FUTURE_SECONDS: positiveInt(DEFAULT_INGEST_LIMITS.maxFutureSeconds),
    TICKETS_REQUEST_TIMEOUT_MS: positiveInt(DEFAULT_TIMEOUTS.requestMs),
    TICKETS_IDLE_TIMEOUT_MS: positiveInt(DEFAULT_TIMEOUTS.idleMs),
    TICKETS_RATE_PER_SECOND: z.coerce.number().positive().default(DEFAULT_RATE_LIMIT.perSecond),
    TICKETS_RATE_BURST: positiveInt(DEFAULT_RATE_LIMIT.burst),
  };
})();
/** The security variables, validated (channel names not yet checked against the domain's). */
export type SecuritySettings = z.infer<z.ZodObject<typeof securityEnvShape>>;

export interface SecurityConfig {
  /** `development`: nothing configured, so nothing is enforced and the server stays on loopback. */
  readonly mode: 'development' | 'secured';
  readonly integrations: readonly Integration[];
  readonly tokens: readonly ApiToken[];
  readonly toleranceSeconds: number;
  readonly limits: IngestLimits;
  /** The default per-integration rate, in events. */
  readonly rateLimit: z.infer<typeof RateLimitSettings>;
  readonly timeouts: ServerTimeouts;
}

/**
 * The security configuration from its variables (already validated, read once at start-up) and the
 * optional secrets file, failing fast with every problem listed (never echoing a secret); an
 * integration's channels are checked against the caller's schema. With no integration and no token
 * configured the result is development mode.
 */
export async function loadSecurityConfigWith(
  schemas: { readonly channel: z.ZodType<string> },
  settings: SecuritySettings,
): Promise<SecurityConfig> {
  const { Integration } = integrationSchemas(schemas.channel);
  const fromEnv = z.array(Integration).optional().safeParse(settings.TICKETS_WEBHOOK_SECRETS);
  if (!fromEnv.success)
    throw new ConfigError(`invalid environment:\n${formatZodIssues(fromEnv.error.issues, 'TICKETS_WEBHOOK_SECRETS')}`);
  let fromFile: { integrations: Integration[]; tokens: ApiToken[] } = { integrations: [], tokens: [] };
  if (settings.TICKETS_SECRETS_FILE !== undefined) {
    // Loaded here only: the YAML parser stays out of every program that has no secrets file to read.
    const { loadConfigFile } = await import('../config-file.js');
    const loaded = await loadConfigFile(settings.TICKETS_SECRETS_FILE, secretsFile(Integration), 'secrets');
    if (!loaded.ok) throw new ConfigError(loaded.error.message);
    fromFile = loaded.value;
  }
  const integrations = [...(fromEnv.data ?? []), ...fromFile.integrations];
  const tokens = [...(settings.TICKETS_API_TOKENS ?? []), ...fromFile.tokens];
  const rateLimit = { perSecond: settings.TICKETS_RATE_PER_SECOND, burst: settings.TICKETS_RATE_BURST };
  const problems = [
    ...ambiguities(integrations),
    ...unreachableBatches(integrations, rateLimit, settings.TICKETS_MAX_BATCH_EVENTS),
  ];
  if (problems.length > 0) throw new ConfigError(`invalid security configuration:\n${problems.join('\n')}`);
  return {
    mode: integrations.length === 0 && tokens.length === 0 ? 'development' : 'secured',
    integrations,
    tokens,
    toleranceSeconds: settings.TICKETS_SIGNATURE_TOLERANCE_SECONDS,
    limits: {
      maxEventBytes: settings.TICKETS_MAX_EVENT_BYTES,
      maxBodyBytes: settings.TICKETS_MAX_BODY_BYTES,
      maxBatchEvents: settings.TICKETS_MAX_BATCH_EVENTS,
      maxMessageChars: settings.TICKETS_MAX_MESSAGE_CHARS,
      maxFutureSeconds: settings.TICKETS_MAX_FUTURE_SECONDS,
    },
    rateLimit,
    timeouts: { requestMs: settings.TICKETS_REQUEST_TIMEOUT_MS, idleMs: settings.TICKETS_IDLE_TIMEOUT_MS },
  };
}

// A source prefix owned by two integrations would let either publish as the other.
function ambiguities(integrations: readonly Integration[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const names = new Set<string>();
  for (const integration of integrations) {
    if (names.has(integration.name))
      problems.push(`integration ${JSON.stringify(integration.name)} is configured twice`);
    names.add(integration.name);
    for (const source of integration.sources) {
      const other = owner.get(source);
      if (other !== undefined && other !== integration.name)
        problems.push(`source prefix ${JSON.stringify(source)} is owned by both ${other} and ${integration.name}`);
      owner.set(source, integration.name);
    }
  }
  return problems;
}

// A batch larger than the bucket could never be accepted.
function unreachableBatches(
  integrations: readonly Integration[],
  fallback: { burst: number },
  maxBatch: number,
): string[] {
  return integrations
    .filter((integration) => (integration.rateLimit ?? fallback).burst < maxBatch)
    .map(
      (integration) =>
        `integration ${JSON.stringify(integration.name)}: rate limit burst ${(integration.rateLimit ?? fallback).burst} is below the batch limit ${maxBatch}`,
    );
}

/** What `tickets serve` runs with when nothing is configured; tests use it too. */
export const developmentSecurity = (limits: Partial<IngestLimits> = {}): SecurityConfig => ({
  mode: 'development',
  integrations: [],
  tokens: [],
  toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
  limits: { ...DEFAULT_INGEST_LIMITS, ...limits },
  rateLimit: { ...DEFAULT_RATE_LIMIT },
  timeouts: { ...DEFAULT_TIMEOUTS },
});
