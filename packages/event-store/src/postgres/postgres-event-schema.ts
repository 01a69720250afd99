import type pg from 'pg';
import { quotedSchema } from './postgres-identifiers.js';
import { runMigrations } from './postgres-migrations.js';

export const EVENT_STORE_COMPONENT = 'event-store';

/**
 * The event store's tables; each step upgrades from the one before. Step 1:
 *
 * - `position` comes from an identity sequence with CACHE 1, on purpose: a cache would give each
 *   connection its own block of numbers, so positions would no longer follow the order in which
 *   appends take the position lock, and the gap-safety argument in `postgres-event-store.ts` needs them to.
 * - `tx` is the appending transaction's 64-bit id (xid8 never wraps around): readers compare it with
 *   the oldest transaction still running to know which positions are final.
 * - `data` and `metadata` are `text`, not `jsonb`: the store never looks inside them, `text` keeps the
 *   JSON exactly as written and costs no parsing on insert nor re-serialising on read (jsonb does both).
 * - `stream` and `id` compare bytewise (COLLATE "C"): cheaper than a locale collation on the hot
 *   unique index, and the same on every server whatever its default collation.
 * - Fixed-width columns come first, so rows carry no alignment padding.
 * - There is deliberately no index on `id`: idempotency is checked per stream through
 *   (stream, version), and a second random-key index would slow every append.
 */
const eventSteps = (schema: string): readonly (readonly string[])[] => {
  const s = quotedSchema(schema);
  return [
    [
      `CREATE TABLE ${s}.events (
         position    bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
         tx          xid8 NOT NULL DEFAULT pg_current_xact_id(),
         recorded_at timestamptz NOT NULL,
         version     integer NOT NULL,
         stream      text COLLATE "C" NOT NULL,
         id          text COLLATE "C" NOT NULL,
         type        text NOT NULL,
         metadata    text NOT NULL,
         data        text NOT NULL,
         CONSTRAINT events_stream_version UNIQUE (stream, version)
       )`,
      `CREATE TABLE ${s}.checkpoints (
         subscriber text COLLATE "C" PRIMARY KEY,
         position   bigint NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
    // 2. The chain hash of each event (`chain/event-hash.ts`). A nullable column without a default
    //    changes the catalog only: no row is rewritten, so it is instant on a large store. Events
    //    written before keep NULL: outside the chain.
    [`ALTER TABLE ${s}.events ADD COLUMN hash text`],
  ];
};

/** Schema revision this code writes and reads. */
export const EVENT_SCHEMA_VERSION = eventSteps('x').length;

/** Creates or upgrades the event and checkpoint tables of `schema` (see `runMigrations`). */
export function migrateEventSchema(pool: pg.Pool, schema: string): Promise<void> {
  return runMigrations(pool, { schema, component: EVENT_STORE_COMPONENT, steps: eventSteps(schema) });
}
