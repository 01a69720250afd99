export { createIngest } from './ingest.js';
export type { Ingest, IngestOptions } from './ingest.js';
export type { IngestResult } from './ingest-results.js';
export { reasonsFromZod, validateInbound } from './validate-inbound.js';
export type { RejectionReason, Validation } from './validate-inbound.js';
export { ingestRoutes } from './http/ingest-routes.js';
export type { IngestRoutesOptions } from './http/ingest-routes.js';
export { runIngestService } from './ingest-service.js';
export type { IngestServiceOptions } from './ingest-service.js';
