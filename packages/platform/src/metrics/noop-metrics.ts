import type { PipelineMetrics, StopTimer } from './pipeline-metrics.port.js';

const stop: StopTimer = () => {};

/** Metrics switched off: every call is an empty function, so the pipeline runs as if none existed. */
export const noopMetrics: PipelineMetrics = {
  inboundEvent() {},
  rejection() {},
  deadLetters() {},
  routing() {},
  ruleFired() {},
  actionSuppressed() {},
  commandPublished() {},
  timeAppend: () => stop,
  timeIngest: () => stop,
  eventToCommand() {},
  processed() {},
  kafkaConsumerLag() {},
  lagProbe() {},
};
