import { createSecretKey } from 'node:crypto';
import { DEFAULT_SCHEMA, quotedSchema } from '../postgres/postgres-identifiers.js';
import { runMigrations } from '../postgres/postgres-migrations.js';
import { openPostgresPool, uniqueApplicationName } from '../postgres/postgres-pool.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';
import { newKeyId, newKeyMaterial } from './pii-cipher.js';

/** The key store as a table in the events' PostgreSQL schema (`pii_keys`). */
export async function createPostgresKeyStore(options: { url: string; schema?: string }): Promise<KeyStore> {
  const schemaName = options.schema ?? DEFAULT_SCHEMA;
  const schema = quotedSchema(schemaName);
  const pool = openPostgresPool({
    url: options.url,
    maxConnections: 2,
    applicationName: uniqueApplicationName('tickets-keys'),
  });
  const table = `${schema}.pii_keys`;
  try {
    // Through the migrations' lock: services starting at once (a restarted ingest beside a projector)
    // would otherwise race on CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make safe against a
    // concurrent twin ("type pii_keys already exists"). IF NOT EXISTS keeps stores made before this
    // table had a migration record.
    await runMigrations(pool, {
      schema: schemaName,
      component: 'pii-keys',
      steps: [
        [
          `CREATE TABLE IF NOT EXISTS ${table} (
             key_id      TEXT PRIMARY KEY,
             customer_id TEXT NOT NULL UNIQUE,
             key         BYTEA NOT NULL,
             created_at  TIMESTAMPTZ NOT NULL DEFAULT now())`,
        ],
      ],
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  type Row = { key_id: string; customer_id: string; key: Buffer };
  const toKey = (row: Row): CustomerKey => ({
    keyId: row.key_id,
    customerId: row.customer_id,
    key: createSecretKey(row.key),
  });
  const byCustomers = async (customerIds: readonly string[]) =>
    (
      await pool.query<Row>(`SELECT key_id, customer_id, key FROM ${table} WHERE customer_id = ANY($1::text[])`, [
        customerIds,
      ])
    ).rows;

  let closed = false;
  return {
    async currentKeys(customerIds) {
      const keys = new Map((await byCustomers(customerIds)).map((row) => [row.customer_id, toKey(row)]));
      const missing = [...new Set(customerIds.filter((id) => !keys.has(id)))];
      if (missing.length === 0) return keys;
      // One statement for all new customers; a key another process created first wins and is read back.
      const now = new Date();
      await pool.query(
        `INSERT INTO ${table} (key_id, customer_id, key) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (customer_id) DO NOTHING`,
        [missing.map(() => newKeyId(now)), missing, missing.map(() => newKeyMaterial())],
      );
      for (const row of await byCustomers(missing)) keys.set(row.customer_id, toKey(row));
      return keys;
    },
    async keyById(keyId) {
      const { rows } = await pool.query<Row>(`SELECT key_id, customer_id, key FROM ${table} WHERE key_id = $1`, [
        keyId,
      ]);
      return rows[0] === undefined ? undefined : toKey(rows[0]);
    },
    async eraseCustomer(customerId) {
      const { rowCount } = await pool.query(`DELETE FROM ${table} WHERE customer_id = $1`, [customerId]);
      // A deleted row stays in the table's pages as a dead tuple until vacuumed: rewrite the (small)
      // table now so the key leaves the database files. Its WAL and archives are the operators' part.
      await pool.query(`VACUUM FULL ${table}`);
      return rowCount ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
