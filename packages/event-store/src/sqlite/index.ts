export { createSqliteEventStore } from './sqlite-event-store.js';
export type { SqliteEventStore, SqliteEventStoreOptions } from './sqlite-event-store.js';
export { createSqliteCheckpointStore } from './sqlite-checkpoint-store.js';
export type { SqliteCheckpointStore, SqliteCheckpointStoreOptions } from './sqlite-checkpoint-store.js';
export { DEFAULT_BUSY_TIMEOUT_MS, openSqlite } from './open-sqlite.js';
export type { OpenSqliteOptions } from './open-sqlite.js';
