import { DEFAULT_STORE_URL, parseStoreUrl } from '@tickets/event-store';
import { z } from 'zod';
import { ConfigError } from '../config-error.js';
import { formatZodIssues } from '../zod-issues.js';
import { opsEnvShape, type OpsEnv } from '../ops-env.js';
import { securityEnvShape, type SecuritySettings } from '../security/security-config.js';
import { KafkaSettings } from './kafka-env.js';

export { DEFAULT_STORE_URL };

/** A store URL, checked as `--store` is (sqlite:PATH, postgres://…, esdb://…). */
const storeUrl = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseStoreUrl(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^store: /, '') });
    }
  });

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

const onOff = z.enum(['on', 'off']);
const flag = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'expected on or off' }))
  .transform((text) => text === 'on' || text === 'true' || text === '1');

/**
 * Every variable the programs read, by its name (so that a problem names the variable). Kafka's
 * `KAFKA_*` are checked by KafkaSettings, in the same pass. docs/configuration.md lists them all.
 */
const TicketsEnv = z.object({
  TICKETS_STORE: storeUrl.default(DEFAULT_STORE_URL),
  /** The ticket read model, when not next to the events (needed sense for KurrentDB stores). */
  TICKETS_READ_MODEL: z.string().min(1).optional(),
  /** Where the followers' roles are leased when the store is not PostgreSQL (docs/scaling.md). */
  TICKETS_LEASES: z.string().min(1).optional(),
  TICKETS_HOST: z.string().min(1).default('127.0.0.1'),
  /** No default here: each program has its own port (8080 serve, 8081 ingest, 8082 projector, 8083 rule-reactor). */
  TICKETS_PORT: z.coerce
    .number({ message: 'expected a port number (0 to 65535)' })
    .int({ message: 'expected a port number (0 to 65535)' })
    .min(0, { message: 'expected a port number (0 to 65535)' })
    .max(65_535, { message: 'expected a port number (0 to 65535)' })
    .optional(),
  TICKETS_RULES: z.string().min(1).optional(),
  TICKETS_POLICY: z.string().min(1).optional(),
  /** Where commands go: kafka, stdout, none, file:PATH, http(s)://URL; default Kafka if configured, else a file. */
  TICKETS_COMMANDS: z.string().min(1).optional(),
  /** `off`: the rule-reactor publishes commands only (as `tickets rule-reactor --no-timers`). */
  TICKETS_TIMERS: onOff.default('on'),
  TICKETS_PII_ENCRYPTION: flag.default(true),
  /** Where the personal-data keys live when not next to the events (needed for KurrentDB). */
  TICKETS_KEY_STORE: storeUrl.optional(),
  /** `tickets sign`'s secret when no `--secret` is given. */
  TICKETS_SIGN_SECRET: z.string().min(1).optional(),
  /** No default here: the services and `serve` log at info, the other CLI verbs at warn. */
  LOG_LEVEL: LogLevel.optional(),
  ...opsEnvShape,
  ...securityEnvShape,
});

/** Personal-data encryption at rest (docs/security.md). */
export interface PiiSettings {
  /** Encrypt personal data per customer (default on; `TICKETS_PII_ENCRYPTION=off` turns it off). */
  readonly encryption: boolean;
  /** Where the keys live when not next to the events (`TICKETS_KEY_STORE`; needed for KurrentDB). */
  readonly keyStore?: string | undefined;
}

/** The one configuration of a process, read from its environment once at start-up and passed down. */
export interface TicketsConfig {
  readonly store: string;
  readonly readModel: string | undefined;
  readonly leases: string | undefined;
  readonly host: string;
  /** Undefined: the program's own default port. */
  readonly port: number | undefined;
  readonly rules: string | undefined;
  readonly policy: string | undefined;
  readonly commands: string | undefined;
  readonly timers: boolean;
  /** Undefined: the program's own default level. */
  readonly logLevel: LogLevel | undefined;
  readonly pii: PiiSettings;
  readonly signSecret: string | undefined;
  /** Metrics, readiness and shutdown (TICKETS_METRICS, TICKETS_READY_MAX_LAG, TICKETS_SHUTDOWN_TIMEOUT_MS). */
  readonly ops: OpsEnv;
  /** Secrets, tokens, limits and timeouts; loadSecurityConfig (in @tickets/streams) completes them. */
  readonly security: SecuritySettings;
  /** KAFKA_*; no Kafka unless KAFKA_BROKERS (or a verb's --kafka) names brokers. */
  readonly kafka: KafkaSettings;
}

/**
 * Reads and checks every setting at once. An empty variable counts as unset (as compose files and
 * shells often leave them). A problem is a ConfigError naming each variable that is wrong: the
 * programs print it and exit with code 2 before doing anything.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): TicketsConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = TicketsEnv.safeParse(set);
  const kafka = KafkaSettings.safeParse(set);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...(kafka.success ? [] : kafka.error.issues)];
  if (!parsed.success || !kafka.success) throw new ConfigError(`invalid environment:\n${formatZodIssues(issues)}`);
  const e = parsed.data;
  return {
    store: e.TICKETS_STORE,
    readModel: e.TICKETS_READ_MODEL,
    leases: e.TICKETS_LEASES,
    host: e.TICKETS_HOST,
    port: e.TICKETS_PORT,
    rules: e.TICKETS_RULES,
    policy: e.TICKETS_POLICY,
    commands: e.TICKETS_COMMANDS,
    timers: e.TICKETS_TIMERS === 'on',
    logLevel: e.LOG_LEVEL,
    pii: { encryption: e.TICKETS_PII_ENCRYPTION, keyStore: e.TICKETS_KEY_STORE },
    signSecret: e.TICKETS_SIGN_SECRET,
    ops: {
      TICKETS_METRICS: e.TICKETS_METRICS,
      TICKETS_READY_MAX_LAG: e.TICKETS_READY_MAX_LAG,
      TICKETS_SHUTDOWN_TIMEOUT_MS: e.TICKETS_SHUTDOWN_TIMEOUT_MS,
    },
    security: {
      TICKETS_WEBHOOK_SECRETS: e.TICKETS_WEBHOOK_SECRETS,
      TICKETS_API_TOKENS: e.TICKETS_API_TOKENS,
      TICKETS_SECRETS_FILE: e.TICKETS_SECRETS_FILE,
      TICKETS_SIGNATURE_TOLERANCE_SECONDS: e.TICKETS_SIGNATURE_TOLERANCE_SECONDS,
      TICKETS_MAX_EVENT_BYTES: e.TICKETS_MAX_EVENT_BYTES,
      TICKETS_MAX_BODY_BYTES: e.TICKETS_MAX_BODY_BYTES,
      TICKETS_MAX_BATCH_EVENTS: e.TICKETS_MAX_BATCH_EVENTS,
      TICKETS_MAX_MESSAGE_CHARS: e.TICKETS_MAX_MESSAGE_CHARS,
      TICKETS_MAX_FUTURE_SECONDS: e.TICKETS_MAX_FUTURE_SECONDS,
      TICKETS_REQUEST_TIMEOUT_MS: e.TICKETS_REQUEST_TIMEOUT_MS,
      TICKETS_IDLE_TIMEOUT_MS: e.TICKETS_IDLE_TIMEOUT_MS,
      TICKETS_RATE_PER_SECOND: e.TICKETS_RATE_PER_SECOND,
      TICKETS_RATE_BURST: e.TICKETS_RATE_BURST,
    },
    kafka: kafka.data,
  };
}

/** The configuration with nothing set: every default (tests, and programs given no environment). */
export const defaultConfig = (): TicketsConfig => readConfig({});

/** Settings as a CLI flag gives them (`--shutdown-timeout`, `--kafka`): the variable's own check, the flag's name in the error. */
export function parseFlag<S extends z.ZodType>(flagName: string, schema: S, text: string): z.infer<S> {
  const parsed = schema.safeParse(text);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`${flagName}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
}

// What a CLI flag shares with its variable, for the programs that import only this module.
export { KafkaBrokers } from './kafka-env.js';
export { opsEnvShape } from '../ops-env.js';
