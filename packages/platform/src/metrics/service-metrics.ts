import type { Registry } from 'prom-client';
import { noopMetrics } from './noop-metrics.js';
import type { PipelineMetrics } from './pipeline-metrics.port.js';
import { createPrometheusMetrics } from './prometheus-metrics.js';

export interface ServiceMetrics {
  readonly metrics: PipelineMetrics;
  /** Served on `GET /metrics`; absent when metrics are off. */
  readonly registry: Registry | undefined;
}

/** A service's metrics as configured (TICKETS_METRICS): Prometheus when on, the no-op port when off. */
export function serviceMetrics(enabled: boolean): ServiceMetrics {
  if (!enabled) return { metrics: noopMetrics, registry: undefined };
  const { metrics, registry } = createPrometheusMetrics();
  return { metrics, registry };
}
