import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { DEFAULT_INGEST_LIMITS } from '../security/security-config.js';
import { KafkaBrokers } from './kafka-env.js';
import { DEFAULT_STORE_URL, parseFlag, readConfig } from './tickets-config.js';

const problem = (env: Record<string, string>): string => {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('readConfig: the one configuration, read from the environment at start-up', () => {
  it('gives every default when nothing is set', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      store: DEFAULT_STORE_URL,
      readModel: undefined,
      host: '127.0.0.1',
      port: undefined,
      timers: true,
      logLevel: undefined,
      pii: { encryption: true, keyStore: undefined },
      ops: { TICKETS_METRICS: 'on', TICKETS_READY_MAX_LAG: 1_000, TICKETS_SHUTDOWN_TIMEOUT_MS: 10_000 },
    });
    expect(config.kafka.KAFKA_BROKERS).toBeUndefined();
    expect(config.security.TICKETS_MAX_EVENT_BYTES).toBe(DEFAULT_INGEST_LIMITS.maxEventBytes);
  });

  it('reads each variable into its typed field', () => {
    const config = readConfig({
      TICKETS_STORE: 'postgres://db/tickets',
      TICKETS_READ_MODEL: 'sqlite:./rm.db',
      TICKETS_LEASES: 'postgres://db/leases',
      TICKETS_HOST: '0.0.0.0',
      TICKETS_PORT: '9000',
      TICKETS_RULES: 'rules.yaml',
      TICKETS_POLICY: 'policy.yaml',
      TICKETS_COMMANDS: 'stdout',
      TICKETS_TIMERS: 'off',
      TICKETS_PII_ENCRYPTION: 'OFF',
      TICKETS_KEY_STORE: 'sqlite:./keys.db',
      TICKETS_SIGN_SECRET: 'whsec_abc',
      LOG_LEVEL: 'debug',
      TICKETS_SHUTDOWN_TIMEOUT_MS: '2500',
      TICKETS_MAX_BATCH_EVENTS: '10',
      KAFKA_BROKERS: 'a:9092, b:9093',
      KAFKA_TOPIC_INBOUND: 'in',
    });
    expect(config).toMatchObject({
      store: 'postgres://db/tickets',
      readModel: 'sqlite:./rm.db',
      leases: 'postgres://db/leases',
      host: '0.0.0.0',
      port: 9000,
      rules: 'rules.yaml',
      policy: 'policy.yaml',
      commands: 'stdout',
      timers: false,
      logLevel: 'debug',
      pii: { encryption: false, keyStore: 'sqlite:./keys.db' },
      signSecret: 'whsec_abc',
    });
    expect(config.ops.TICKETS_SHUTDOWN_TIMEOUT_MS).toBe(2_500);
    expect(config.security.TICKETS_MAX_BATCH_EVENTS).toBe(10);
    expect(config.kafka.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(config.kafka.KAFKA_TOPIC_INBOUND).toBe('in');
  });

  it('counts an empty variable as unset', () => {
    const config = readConfig({ TICKETS_STORE: '', TICKETS_PORT: '', KAFKA_BROKERS: '', TICKETS_PII_ENCRYPTION: '' });
    expect(config.store).toBe(DEFAULT_STORE_URL);
    expect(config.port).toBeUndefined();
    expect(config.kafka.KAFKA_BROKERS).toBeUndefined();
    expect(config.pii.encryption).toBe(true);
  });

  it('refuses a bad variable with a ConfigError that names it', () => {
    expect(problem({ TICKETS_PORT: 'eighty' })).toMatch(/^invalid environment:\n.*TICKETS_PORT/);
    expect(problem({ TICKETS_PORT: '70000' })).toMatch(/TICKETS_PORT/);
    expect(problem({ LOG_LEVEL: 'loud' })).toMatch(/LOG_LEVEL/);
    expect(problem({ TICKETS_PII_ENCRYPTION: 'maybe' })).toMatch(/TICKETS_PII_ENCRYPTION: expected on or off/);
    expect(problem({ TICKETS_TIMERS: 'sometimes' })).toMatch(/TICKETS_TIMERS/);
    expect(problem({ TICKETS_SHUTDOWN_TIMEOUT_MS: '-1' })).toMatch(/TICKETS_SHUTDOWN_TIMEOUT_MS/);
    expect(problem({ TICKETS_MAX_EVENT_BYTES: 'lots' })).toMatch(/TICKETS_MAX_EVENT_BYTES/);
    expect(problem({ KAFKA_BROKERS: 'no-port' })).toMatch(/KAFKA_BROKERS.*host:port/);
    expect(problem({ TICKETS_STORE: 'mysql://db' })).toMatch(/TICKETS_STORE: unknown store "mysql:\/\/db"/);
    expect(problem({ TICKETS_KEY_STORE: 'keys.db' })).toMatch(/TICKETS_KEY_STORE/);
  });

  it('lists every bad variable at once, Kafka ones included', () => {
    const message = problem({ TICKETS_PORT: 'x', KAFKA_SASL_MECHANISM: 'plain', KAFKA_BROKERS: 'k:9092' });
    expect(message).toMatch(/TICKETS_PORT/);
    expect(message).toMatch(/KAFKA_SASL_USERNAME/);
  });

  it('ignores variables it does not know', () => {
    expect(() => readConfig({ PATH: '/bin', HOME: '/root', TICKETS_TEST_KAFKA_BROKERS: 'x' })).not.toThrow();
  });
});

describe('parseFlag: a CLI flag checked as its variable is, named in the error', () => {
  it('parses a good value and names the flag on a bad one', () => {
    expect(parseFlag('--kafka', KafkaBrokers, 'a:1,b:2')).toEqual(['a:1', 'b:2']);
    expect(() => parseFlag('--kafka', KafkaBrokers, 'nope')).toThrow(/^--kafka: expected host:port/);
  });
});
