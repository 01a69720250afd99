import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { KafkaSetup } from '@tickets/messaging';
import type { Logger, OpsEnv } from '@tickets/platform';
import {
  defaultConfig,
  KafkaBrokers,
  opsEnvShape,
  parseFlag,
  readConfig,
  type TicketsConfig,
} from '@tickets/platform/config';
import { parseHeadProof, type HeadProof } from '@tickets/event-store';
import { StartupError } from './startup-error.js';
import { UsageError } from './usage-error.js';

// Each verb loads its own code when it runs (`await import` in its action): loading every service,
// store client, OpenTelemetry and Kafka up front cost ~0.5 s of CPU before `replay` read one event.
const platform = () => import('@tickets/platform');
const streams = () => import('@tickets/streams');

// The options most verbs share, defined once; their defaults come from the configuration (the
// environment, read once at start-up), and a flag given on the command line wins.
const storeOption = (config: TicketsConfig): Option =>
  new Option('--store <url>', 'event store: sqlite:PATH, postgres://…, esdb://…').default(config.store);
const readModelOption = (config: TicketsConfig): Option =>
  new Option(
    '--read-model <url>',
    'ticket read model when not next to the events (sqlite:PATH; default for esdb: sqlite:./data/read-model.db)',
  ).default(config.readModel);
/** The results as indented JSON, written in pieces (a long ticket's timeline is tens of megabytes). */
const printJson = async (value: unknown): Promise<void> =>
  (await import('./json-output.js')).writeJson(process.stdout, value);
/** CLI verbs print results on stdout; their logs go to stderr so the JSON stays clean. */
const cliLogger = async (level: string): Promise<Logger> =>
  (await platform()).createLogger({ level, name: 'tickets', destination: process.stderr });

/** `--kafka BROKERS` wins over KAFKA_BROKERS; the other Kafka settings are the configuration's. */
const kafkaOption = async (
  config: TicketsConfig,
  brokers: readonly string[] | undefined,
  logger: Logger,
): Promise<KafkaSetup | null> => (await import('@tickets/messaging')).kafkaFromConfig(config.kafka, logger, brokers);

/** The configuration's metrics, readiness and shutdown settings, with `--shutdown-timeout` winning. */
const opsSettings = (config: TicketsConfig, shutdownTimeout: number | undefined): OpsEnv =>
  shutdownTimeout === undefined ? config.ops : { ...config.ops, TICKETS_SHUTDOWN_TIMEOUT_MS: shutdownTimeout };

/**
 * What a verb that runs one HTTP service sets up first: its logger, its HTTP security (announced),
 * Kafka when configured, the ops settings, and the shutdown signal.
 */
async function serviceSetup(
  config: TicketsConfig,
  name: string,
  options: { logLevel: string; host: string; kafka?: readonly string[] },
) {
  const { createLogger, announceSecurityMode, shutdownSignal } = await platform();
  const { loadSecurityConfig } = await streams();
  const logger = createLogger({ level: options.logLevel, name });
  const security = await loadSecurityConfig(config.security);
  announceSecurityMode(security, options.host, logger);
  const kafka = await kafkaOption(config, options.kafka, logger);
  const ops = opsSettings(config, undefined);
  return {
    logger,
    security,
    kafka,
    ops,
    signal: shutdownSignal({ timeoutMs: ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
  };
}

/** A flag checked as its variable is (the same zod schema), the flag named in the error. */
const flagParser =
  <T>(name: string, schema: import('zod').ZodType<T>) =>
  (text: string): T => {
    try {
      return parseFlag(name, schema, text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message.slice(name.length + 2) : String(error));
    }
  };
const brokersFlag = flagParser('--kafka', KafkaBrokers);
const shutdownTimeoutFlag = flagParser('--shutdown-timeout', opsEnvShape.TICKETS_SHUTDOWN_TIMEOUT_MS);

const port = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
};

const headProofOption = (text: string): HeadProof => {
  try {
    return parseHeadProof(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
};

const exampleCount = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/** The CLI, its options' defaults taken from `config` (readConfig: the environment, read once). */
export function buildProgram(config: TicketsConfig): Command {
  const program = new Command('tickets')
    .description('Event-sourced ticket lifecycle: reopen windows, follow-up tickets and audited automation rules')
    .showHelpAfterError()
    // Commander prints its own message; the exit code is ours (2 for a bad option, see main).
    .exitOverride();

  program
    .command('serve')
    .description('run ingest, projector, rule-reactor and the HTTP API in one process')
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option('--rules <file>', 'rules file (YAML or JSON); default: the shipped rules', config.rules)
    .option('--policy <file>', 'reopen policy file (YAML or JSON); default: the shipped policy', config.policy)
    .option('--host <host>', 'address to listen on', config.host)
    .option('--port <port>', 'port to listen on', port, config.port ?? 8080)
    .option(
      '--commands <sink>',
      'where commands go: kafka, stdout, none, file:PATH, http(s)://URL (default: kafka when configured, else file:./data/commands.ndjson)',
      config.commands,
    )
    .option(
      '--kafka <brokers>',
      'Kafka bootstrap brokers host:port[,…] (or KAFKA_BROKERS): consume the inbound topic, publish commands and states',
      brokersFlag,
    )
    .option('--log-level <level>', 'log level', config.logLevel ?? 'info')
    .option(
      '--shutdown-timeout <ms>',
      'time allowed to drain after SIGTERM/SIGINT (or TICKETS_SHUTDOWN_TIMEOUT_MS; default 10000)',
      shutdownTimeoutFlag,
    )
    .action(async (options) => {
      const { createLogger, announceSecurityMode } = await platform();
      const { loadSecurityConfig } = await streams();
      const { serve } = await import('./commands/serve.js');
      const logger = createLogger({ level: options.logLevel, name: 'tickets' });
      const security = await loadSecurityConfig(config.security);
      announceSecurityMode(security, options.host, logger);
      await serve(
        {
          ...options,
          security,
          kafka: await kafkaOption(config, options.kafka, logger),
          ops: opsSettings(config, options.shutdownTimeout),
          pii: config.pii,
        },
        logger,
      );
    });

  // Each service alone, against a shared store (the same as `node services/<name>/dist/main.js`).
  program
    .command('ingest')
    .description(
      'run only the ingest service: POST /v1/events into the store, each event routed and its rules decided in one transaction',
    )
    .addOption(storeOption(config))
    .option('--rules <file>', 'rules file (YAML or JSON); default: the shipped rules', config.rules)
    .option('--policy <file>', 'reopen policy file (YAML or JSON)', config.policy)
    .option('--host <host>', 'address to listen on', config.host)
    .option('--port <port>', 'port to listen on', port, config.port ?? 8081)
    .option('--kafka <brokers>', 'also consume the inbound topic (or KAFKA_BROKERS)', brokersFlag)
    .option('--log-level <level>', 'log level', config.logLevel ?? 'info')
    .action(async (options) => {
      const { loadRulesAndPolicy } = await streams();
      const { runIngestService } = await import('@tickets/ingest');
      const { rules, policy } = await loadRulesAndPolicy(options);
      const { signal, ...service } = await serviceSetup(config, 'ingest', options);
      await runIngestService(
        { ...service, store: options.store, rules, policy, host: options.host, port: options.port, pii: config.pii },
        signal,
      );
    });

  program
    .command('projector')
    .description('run only the projector: the ticket read model and GET /v1/tickets…')
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option('--host <host>', 'address to listen on', config.host)
    .option('--port <port>', 'port to listen on', port, config.port ?? 8082)
    .option('--kafka <brokers>', 'also publish ticket states to the state topic (or KAFKA_BROKERS)', brokersFlag)
    .option('--log-level <level>', 'log level', config.logLevel ?? 'info')
    .action(async (options) => {
      const { runProjectorService } = await import('@tickets/projector');
      const { signal, ...service } = await serviceSetup(config, 'projector', options);
      await runProjectorService(
        {
          ...service,
          store: options.store,
          readModel: options.readModel,
          host: options.host,
          port: options.port,
          pii: config.pii,
          leases: config.leases,
        },
        signal,
      );
    });

  program
    .command('rule-reactor')
    .description(
      'run only the rule-reactor: publishes the commands the ingest recorded (the outbox) to the sink, and fires due timers',
    )
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option(
      '--rules <file>',
      'rules file (YAML or JSON): the timers fire with the same rules as the ingest; default: the shipped rules',
      config.rules,
    )
    .option('--policy <file>', 'reopen policy file (YAML or JSON)', config.policy)
    .option(
      '--no-timers',
      'publish commands only: leave due timers to the ingest (they fire with the customer’s next event)',
    )
    .option(
      '--commands <sink>',
      'where commands go: kafka, stdout, none, file:PATH, http(s)://URL (default: kafka when configured, else file:./data/commands.ndjson)',
      config.commands,
    )
    .option('--kafka <brokers>', 'Kafka bootstrap brokers (or KAFKA_BROKERS)', brokersFlag)
    .option('--host <host>', 'address of /healthz, /readyz and /metrics', config.host)
    .option('--port <port>', 'port of /healthz, /readyz and /metrics', port, config.port ?? 8083)
    .option('--log-level <level>', 'log level', config.logLevel ?? 'info')
    .action(async (options) => {
      const { createLogger, shutdownSignal } = await platform();
      const { openTimerEnds, runRuleReactorService } = await import('@tickets/rule-reactor');
      const logger = createLogger({ level: options.logLevel, name: 'rule-reactor' });
      const kafka = await kafkaOption(config, options.kafka, logger);
      const ops = opsSettings(config, undefined);
      const timers = options.timers === false ? null : await openTimerEnds({ ...options, pii: config.pii }, logger);
      try {
        await runRuleReactorService(
          {
            store: options.store,
            commands: options.commands,
            kafka,
            logger,
            host: options.host,
            port: options.port,
            ops,
            pii: config.pii,
            leases: config.leases,
            ...(timers === null ? {} : { timers: timers.ends }),
          },
          shutdownSignal({ timeoutMs: ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
        );
      } finally {
        await timers?.close();
      }
    });

  program
    .command('simulate')
    .description('run the real pipeline on a throw-away store and print { tickets, commands, rejected }')
    .requiredOption('--events <file>', 'inbound CloudEvents, one JSON object per line')
    .option('--rules <file>', 'rules file (YAML or JSON)')
    .option('--policy <file>', 'reopen policy file (YAML or JSON)')
    .option(
      '--until <time>',
      "run the clock to this event time after the last event, firing the timers due by then (default: the last event's time)",
    )
    .option('--log-level <level>', 'log level (logs go to stderr)', config.logLevel ?? 'warn')
    .action(async (options) => {
      const { simulate } = await import('./commands/simulate.js');
      await printJson(await simulate(options, await cliLogger(options.logLevel)));
    });

  program
    .command('import')
    .description('feed events into a store through the real pipeline and wait until it has caught up')
    .requiredOption('--events <file>', 'inbound CloudEvents, one JSON object per line')
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option('--rules <file>', 'rules file (YAML or JSON)')
    .option('--policy <file>', 'reopen policy file (YAML or JSON)')
    .option('--commands <sink>', 'also publish the commands now: stdout, file:PATH, http(s)://URL')
    .option(
      '--until <time>',
      "run the clock to this event time after the last event, firing the timers due by then (default: the last event's time)",
    )
    .option('--log-level <level>', 'log level (logs go to stderr)', config.logLevel ?? 'warn')
    .action(async (options) => {
      const { importEvents } = await import('./commands/import-events.js');
      await printJson(await importEvents({ ...options, pii: config.pii }, await cliLogger(options.logLevel)));
    });

  program
    .command('replay')
    .description(
      "a ticket's timeline (each event, what it changed, every rule decision and why), or a customer's tickets with their routing decisions",
    )
    .option('--ticket <id>', 'ticket id')
    .option(
      '--customer <id>',
      "customer id: all the customer's tickets, with the reopen / new-ticket decisions and the windows used",
    )
    .option('--at <time>', 'stop at this event time (RFC 3339): the state at that moment')
    .addOption(storeOption(config))
    .option('--json', 'print JSON instead of text')
    .action(async (options) => {
      const { replay } = await import('./commands/replay.js');
      await replay(
        { ...options, pii: config.pii },
        {
          out: process.stdout,
          ticketText: async () => new (await import('./replay/format-ticket-timeline.js')).TicketTimelineText(),
          customerText: async (timeline) =>
            (await import('./replay/format-customer-timeline.js')).formatCustomerTimeline(timeline),
        },
      );
    });

  program
    .command('what-if')
    .description(
      're-decide the recorded traffic in memory with other rules or windows, and report what would differ (writes nothing)',
    )
    .requiredOption('--rules <file>', 'rules file to try (YAML or JSON)')
    .option('--policy <file>', 'reopen policy to try (YAML or JSON); default: the shipped policy')
    .option(
      '--since <time>',
      'compare only events from this event time on (RFC 3339, inclusive); earlier ones are still replayed to build state',
    )
    .option('--until <time>', 'compare only events before this event time (RFC 3339, exclusive)')
    .addOption(storeOption(config))
    .option('--examples <n>', 'examples per list in the text report', exampleCount, 10)
    .option(
      '--threads <n>',
      'worker threads scanning and deciding in parallel (default: one per core on large stores, none on small ones; a narrowed run of few records decides in the main thread while a thread reads the next page)',
      exampleCount,
    )
    .option(
      '--redecide-all',
      'decide every customer again, also those a change of the reopen windows alone cannot reach (same report, slower)',
    )
    .option('--json', 'print JSON instead of text')
    .action(async (options) => {
      const { runWhatIf } = await import('./commands/what-if.js');
      const report = await runWhatIf({ ...options, pii: config.pii });
      if (options.json) await printJson(report);
      else
        process.stdout.write(
          (await import('./commands/format-what-if.js')).formatWhatIf(report, {
            rules: options.rules,
            policy: options.policy ?? '(shipped default)',
            examples: options.examples,
          }),
        );
    });

  program
    .command('verify')
    .description(
      'rebuild every projection in memory and check it, and every recorded decision, against the store; exit 1 on a mismatch',
    )
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option('--examples <n>', 'mismatches shown per list in the text report', exampleCount, 20)
    .option(
      '--threads <n>',
      'worker threads checking shards of a SQLite or PostgreSQL store in parallel (default: one per core on large stores, none on small ones)',
      exampleCount,
    )
    .option(
      '--head <proof>',
      'a head published earlier (the "proof" tickets head printed, <events>:<hash>): exit 1 unless history up to it is unchanged',
      headProofOption,
    )
    .option('--json', 'print JSON instead of text')
    .action(async (options) => {
      const { runVerify } = await import('./commands/verify.js');
      const report = await runVerify({ ...options, pii: config.pii });
      if (options.json) await printJson(report);
      else
        process.stdout.write(
          (await import('./commands/format-verify.js')).formatVerify(report, { examples: options.examples }),
        );
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command('head')
    .description(
      "print the store head as JSON: a hash over every event's chain hash, to publish and prove later with verify --head; exit 1 if a chain is broken",
    )
    .addOption(storeOption(config))
    .action(async (options) => {
      const { runHead } = await import('./commands/head.js');
      const head = await runHead({ ...options, pii: config.pii, now: () => new Date() });
      await printJson(head);
      if (!head.chainOk) process.exitCode = 1;
    });

  const configCommand = program
    .command('config')
    .description('the configurations (rules, reopen policy) decisions were made under');
  configCommand
    .command('history')
    .description(
      'every configuration recorded in the store, and when each was in force (from the decisions that name it)',
    )
    .addOption(storeOption(config))
    .option('--json', 'print JSON instead of text')
    .action(async (options) => {
      const { configHistory, formatConfigHistory } = await import('./commands/config-history.js');
      const history = await configHistory({ ...options, pii: config.pii });
      if (options.json) await printJson(history);
      else process.stdout.write(formatConfigHistory(history));
    });
  configCommand
    .command('show')
    .description('print the rules and reopen policy recorded under a hash (or a unique start of it) as JSON')
    .argument('<hash>', 'configuration hash, as verify, replay and config history print it')
    .addOption(storeOption(config))
    .action(async (hash: string, options) =>
      printJson(await (await import('./commands/config-history.js')).configShow({ ...options, pii: config.pii, hash })),
    );

  program
    .command('rebuild')
    .description('rebuild the ticket projection from the first event')
    .addOption(storeOption(config))
    .addOption(readModelOption(config))
    .option('--log-level <level>', 'log level (logs go to stderr)', config.logLevel ?? 'warn')
    .action(async (options) => {
      const { rebuild } = await import('./commands/rebuild.js');
      await printJson(await rebuild({ ...options, pii: config.pii }, await cliLogger(options.logLevel)));
    });

  program
    .command('forget')
    .description(
      "erase a customer's personal data (crypto-shredding): delete their key, record customer.erased, purge the read model (and republish their ticket states with Kafka)",
    )
    .requiredOption('--customer <id>', 'customer id')
    .option('--store <url>', 'event store: sqlite:PATH, postgres://…, esdb://… (with TICKETS_KEY_STORE)', config.store)
    .addOption(readModelOption(config))
    .option(
      '--kafka <brokers>',
      'republish the erased ticket states on the state topic (default: KAFKA_BROKERS)',
      brokersFlag,
    )
    .option('--log-level <level>', 'log level (logs go to stderr)', config.logLevel ?? 'warn')
    .action(async (options) => {
      const { forget } = await import('./commands/forget.js');
      const logger = await cliLogger(options.logLevel);
      const kafka = await kafkaOption(config, options.kafka, logger);
      await printJson(await forget({ ...options, kafka, pii: config.pii }, logger, (await platform()).systemClock));
    });

  program
    .command('sign')
    .description(
      'print the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) for a request body, to test an integration',
    )
    .option(
      '--secret <whsec>',
      "the integration's secret, whsec_… (repeat during a rotation; default TICKETS_SIGN_SECRET)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--body <file>', 'the exact body that will be POSTed (default: stdin)')
    .option('--id <id>', 'webhook-id (default: a new random id; reuse it only to retry the same body)')
    .option('--timestamp <seconds>', 'webhook-timestamp in Unix seconds (default: now)')
    .option('--json', 'print a JSON object instead of header lines')
    .action(async (options) => {
      const fromConfig = config.signSecret;
      const secret: string[] =
        options.secret.length > 0 ? options.secret : fromConfig === undefined ? [] : [fromConfig];
      const { sign, headerLines } = await import('./commands/sign.js');
      const headers = await sign({ ...options, secret });
      if (options.json) await printJson(headers);
      else process.stdout.write(headerLines(headers));
    });

  program
    .command('schema')
    .description(
      'print the JSON Schemas of the public contracts (all, or one by name), or the OpenAPI / AsyncAPI document',
    )
    .argument(
      '[name]',
      'inbound-event, command, ticket-state, ticket-event, customer-event, reopen-policy, rules; openapi (HTTP API), asyncapi (Kafka topics), reference (both as Markdown)',
    )
    .action(async (name?: string) => {
      if (name === 'reference') {
        const [{ contractReference }, { openApiDocument }, { asyncApiDocument }] = await Promise.all([
          import('./contracts/reference-markdown.js'),
          import('./contracts/openapi.js'),
          import('./contracts/asyncapi.js'),
        ]);
        process.stdout.write(contractReference(openApiDocument(), asyncApiDocument()));
      } else await printJson((await import('./commands/defaults.js')).schemas(name));
    });

  program
    .command('defaults')
    .description('print the shipped rules or reopen policy as JSON')
    .argument('<what>', 'rules or policy')
    .action(async (what: string) => printJson((await import('./commands/defaults.js')).defaults(what)));

  return program;
}

const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h', 'help', '--version', '-V']);

/**
 * The environment, read here, once: a bad variable stops every verb with its name (exit 2). Help and
 * the version still print — with the shipped defaults, the problem said first — since they are how
 * one finds out what to set.
 */
function configFor(args: readonly string[]): TicketsConfig {
  try {
    return readConfig(process.env);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConfigError') || !args.some((arg) => HELP_FLAGS.has(arg)))
      throw error;
    process.stderr.write(`tickets: ${error.message}\n(the defaults shown below are the shipped ones)\n`);
    return defaultConfig();
  }
}

/**
 * Whether an error is the user's to fix. The CLI's own two are known without loading anything
 * (`replay --ticket` of an unknown ticket otherwise loaded the rule-reactor, YAML and OpenTelemetry
 * to say so); the other classes are loaded on this path only (most are loaded already by the verb
 * that threw).
 */
async function isUsageError(error: Error): Promise<boolean> {
  if (error instanceof UsageError || error instanceof StartupError) return true;
  const [{ SinkSpecError }, { ConfigError }, { ErasureUnavailableError, UnknownCustomerError }, { EventStoreError }] =
    await Promise.all([
      import('@tickets/rule-reactor'),
      import('@tickets/platform'),
      import('@tickets/streams'),
      import('@tickets/event-store'),
    ]);
  return (
    error instanceof SinkSpecError ||
    error instanceof ConfigError ||
    error instanceof ErasureUnavailableError ||
    error instanceof UnknownCustomerError ||
    (error instanceof EventStoreError && error.code === 'EVENT_STORE.INVALID_ARGUMENT')
  );
}

export async function main(argv: readonly string[]): Promise<void> {
  // `tickets simulate … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram(configFor(argv.slice(2))).parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Already printed by commander; help and --version end with 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    // What the user can fix in the command line, its files or its surroundings: a message and exit code 2.
    if (error instanceof Error && (await isUsageError(error))) {
      process.stderr.write(`tickets: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`tickets: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
