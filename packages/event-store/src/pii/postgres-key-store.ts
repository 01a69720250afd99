import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_SCHEMA, quotedSchema } from '../postgres/postgres-identifiers.js';
import { openPostgresPool, uniqueApplicationName } from '../postgres/postgres-pool.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';

/** The key store as a table in the events' PostgreSQL schema (`pii_keys`). */
export async function createPostgresKeyStore(options: { url: string; schema?: string }): Promise<KeyStore> {
  const schema = quotedSchema(options.schema ?? DEFAULT_SCHEMA);
  const pool = openPostgresPool({ url: options.url, maxConnections: 2, applicationName: uniqueApplicationName('tickets-keys') });
  const table = `${schema}.pii_keys`;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
      key_id      TEXT PRIMARY KEY,
      customer_id TEXT NOT NULL UNIQUE,
      key         BYTEA NOT NULL,
      created_at  TIMESTAMPTZ NOT NULL DEFAULT now())`);
  } catch (error) {
    await pool.end();
    throw error;
  }
  type Row = { key_id: string; customer_id: string; key: Buffer };
  const toKey = (row: Row): CustomerKey => ({ keyId: row.key_id, customerId: row.customer_id, key: row.key });
  const byCustomer = async (customerId: string) => (await pool.query<Row>(`SELECT key_id, customer_id, key FROM ${table} WHERE customer_id = $1`, [customerId])).rows[0];

  let closed = false;
  return {
    async currentKey(customerId) {
      const found = await byCustomer(customerId);
      if (found !== undefined) return toKey(found);
      await pool.query(`INSERT INTO ${table} (key_id, customer_id, key) VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO NOTHING`, [
        randomUUID(),
        customerId,
        randomBytes(32),
      ]);
      return toKey((await byCustomer(customerId))!);
    },
    async keyById(keyId) {
      const { rows } = await pool.query<Row>(`SELECT key_id, customer_id, key FROM ${table} WHERE key_id = $1`, [keyId]);
      return rows[0] === undefined ? undefined : toKey(rows[0]);
    },
    async eraseCustomer(customerId) {
      const { rowCount } = await pool.query(`DELETE FROM ${table} WHERE customer_id = $1`, [customerId]);
      return rowCount ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
