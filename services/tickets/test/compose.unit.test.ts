import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseStoreUrl } from '@tickets/event-store';
import { KafkaEnv } from '@tickets/messaging';
import { createPrometheusMetrics, readConfig } from '@tickets/platform';

// docker-compose.yml cannot be run on machines without Docker: these checks keep it honest.
const REPO = resolve(import.meta.dirname, '../../..');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

// `merge: true` resolves the YAML merge keys (<<) the file uses for shared settings.
const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const APP_SERVICES = ['ingest', 'projector', 'rule-reactor'];
const asEnv = (environment: ComposeService['environment']): Record<string, string> =>
  Object.fromEntries(Object.entries(environment ?? {}).map(([k, v]) => [k, String(v)]));

describe('docker-compose.yml', () => {
  it('has Kafka, KurrentDB, PostgreSQL, the three services, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'ingest',
      'kafka',
      'kurrentdb',
      'postgres',
      'projector',
      'prometheus',
      'rule-reactor',
    ]);
  });

  it('pins every image to a version', () => {
    for (const name of ['kafka', 'kurrentdb', 'grafana'])
      expect(services[name]?.image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+$/);
    expect(services['prometheus']?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(services['postgres']?.image).toMatch(/^postgres:\d+\.\d+$/);
  });

  it('publishes ports on the loopback address only', () => {
    for (const service of Object.values(services)) {
      // The host port may come from a variable with a default (`${KURRENTDB_PORT:-2113}`): still loopback.
      // It may be left out (`127.0.0.1::8081`): each replica of a scaled service gets one of its own.
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:(\d+|\$\{[A-Z_]+:-\d+\})?:\d+$/);
    }
  });

  it.each(APP_SERVICES)('%s is built from the repository and runs its own entry point', (name) => {
    const service = services[name]!;
    expect(existsSync(join(REPO, service.build!.context, service.build!.dockerfile))).toBe(true);
    expect(service.command?.[0]).toBe('node');
    const entry = service.command?.[1] ?? '';
    expect(entry).toBe(`services/${name}/dist/main.js`);
    expect(existsSync(join(REPO, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
    expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['kafka', 'kurrentdb', 'postgres']);
    expect(service.depends_on?.['postgres']?.condition).toBe('service_healthy');
  });

  it.each(APP_SERVICES)('%s has an environment the service accepts: store on KurrentDB, Kafka brokers', (name) => {
    const env = asEnv(services[name]!.environment);
    expect(() => readConfig(env)).not.toThrow();
    expect(KafkaEnv.safeParse(env).success).toBe(true);
    expect(parseStoreUrl(env['TICKETS_STORE']!).kind).toBe('eventstoredb');
    expect(env['KAFKA_BROKERS']).toBe('kafka:9092');
  });

  it("publishes the HTTP port each service listens on, on a host port of each replica's own (scalable)", () => {
    for (const name of APP_SERVICES) {
      const env = asEnv(services[name]!.environment);
      expect(services[name]!.ports).toEqual([`127.0.0.1::${env['TICKETS_PORT']}`]);
      expect(env['TICKETS_HOST']).toBe('0.0.0.0');
    }
  });

  it.each(APP_SERVICES)(
    '%s scales (`--scale %s=N`): no container name, one lease database and one Kafka group for all replicas',
    (name) => {
      const service = services[name] as ComposeService & { container_name?: string };
      expect(service.container_name).toBeUndefined();
      const env = asEnv(service.environment);
      // The followers' roles are leased in PostgreSQL, so replicas stand by instead of competing.
      const leases = parseStoreUrl(env['TICKETS_LEASES'] ?? '');
      expect(leases.kind).toBe('postgres');
      expect(new URL(env['TICKETS_LEASES']!).hostname).toBe('postgres');
      expect(KafkaEnv.parse(env).KAFKA_SESSION_TIMEOUT_MS).toBeLessThanOrEqual(10_000);
    },
  );

  it('the projector replicas share one read model in PostgreSQL (a file per container would differ per replica)', () => {
    const env = asEnv(services['projector']!.environment);
    expect(parseStoreUrl(env['TICKETS_READ_MODEL']!).kind).toBe('postgres');
    expect(services['projector']!.volumes ?? []).toEqual([]);
  });

  it.each(APP_SERVICES)(
    '%s reads its webhook secrets and token hashes from a compose secret kept out of the repository',
    (name) => {
      const service = services[name] as ComposeService & { secrets?: string[] };
      expect(service.secrets).toEqual(['tickets']);
      expect(asEnv(service.environment)['TICKETS_SECRETS_FILE']).toBe('/run/secrets/tickets');
      const file = (compose as unknown as { secrets: Record<string, { file: string }> }).secrets['tickets']?.file ?? '';
      expect(file).toContain('./secrets/tickets.yaml');
      expect(readFileSync(join(REPO, '.gitignore'), 'utf8').split('\n')).toContain('secrets/');
    },
  );

  it('runs Kafka as a single KRaft node whose internal topics fit one broker', () => {
    const env = asEnv(services['kafka']!.environment);
    expect(env['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(env['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR']).toBe('1');
    expect(env['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']).toBe('1');
    expect(env['KAFKA_ADVERTISED_LISTENERS']).toContain('PLAINTEXT://kafka:9092');
  });

  describe('Prometheus and Grafana', () => {
    const mounted = (service: string, target: string): string => {
      const volume = services[service]?.volumes?.find((v) => v.split(':')[1] === target);
      expect(volume, `${service} mounts ${target}`).toBeDefined();
      return join(REPO, volume!.split(':')[0]!);
    };
    const prometheus = parse(readFileSync(mounted('prometheus', '/etc/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: {
        metrics_path?: string;
        dns_sd_configs: { names: string[]; type: string; port: number }[];
        relabel_configs: { source_labels: string[]; target_label: string }[];
      }[];
    };
    const dashboard = JSON.parse(
      readFileSync(join(mounted('grafana', '/var/lib/grafana/dashboards'), 'tickets.json'), 'utf8'),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };

    it('Prometheus scrapes GET /metrics of every replica of each service on the port it listens on, with metrics on', () => {
      const targets = prometheus.scrape_configs.flatMap((job) => {
        expect(job.metrics_path ?? '/metrics').toBe('/metrics');
        // The dashboard's `service` label: the name looked up.
        expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_dns_name'], target_label: 'service' });
        return job.dns_sd_configs.flatMap((c) => {
          expect(c.type).toBe('A');
          return c.names.map((host) => `${host}:${c.port}`);
        });
      });
      expect(targets.sort()).toEqual(
        APP_SERVICES.map((name) => `${name}:${asEnv(services[name]!.environment)['TICKETS_PORT']}`).sort(),
      );
      for (const name of APP_SERVICES)
        expect(readConfig(asEnv(services[name]!.environment)).ops.TICKETS_METRICS).toBe('on');
    });

    it('the dashboard only charts metrics the services export', async () => {
      const { registry } = createPrometheusMetrics();
      const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
      // Histograms are queried through their series; `up` is Prometheus's own.
      const known = (name: string) => exported.has(name.replace(/_(bucket|sum|count)$/, '')) || name === 'up';
      const referenced = dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => t.expr.match(/\b(?:tickets|process|nodejs)_\w+|\bup\b/g) ?? []),
      );
      expect(referenced.length).toBeGreaterThan(15);
      expect(referenced.filter((name) => !known(name))).toEqual([]);
      for (const name of [...exported].filter((n) => n.startsWith('tickets_')))
        expect(referenced, `a panel for ${name}`).toEqual(
          expect.arrayContaining([expect.stringMatching(new RegExp(`^${name}`))]),
        );
    });
  });
});
