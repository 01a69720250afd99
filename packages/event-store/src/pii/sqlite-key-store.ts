import { randomBytes, randomUUID } from 'node:crypto';
import { openSqlite } from '../sqlite/open-sqlite.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';

/**
 * The key store as a table of the events' SQLite file, on its own connection. `secure_delete` makes
 * SQLite overwrite deleted rows with zeros, and the WAL is checkpointed and truncated after an erasure,
 * so a deleted key leaves no copy in the database file or its WAL.
 */
export function createSqliteKeyStore(options: { path: string }): KeyStore {
  const db = openSqlite(options.path);
  db.exec(`
    PRAGMA secure_delete = ON;
    CREATE TABLE IF NOT EXISTS pii_keys (
      key_id      TEXT PRIMARY KEY,
      customer_id TEXT NOT NULL UNIQUE,
      key         BLOB NOT NULL,
      created_at  TEXT NOT NULL
    );
  `);
  const byCustomer = db.prepare('SELECT key_id, customer_id, key FROM pii_keys WHERE customer_id = ?');
  const byId = db.prepare('SELECT key_id, customer_id, key FROM pii_keys WHERE key_id = ?');
  const insert = db.prepare('INSERT INTO pii_keys (key_id, customer_id, key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (customer_id) DO NOTHING');
  const erase = db.prepare('DELETE FROM pii_keys WHERE customer_id = ?');

  type Row = { key_id: string; customer_id: string; key: Uint8Array };
  const toKey = (row: Row): CustomerKey => ({ keyId: row.key_id, customerId: row.customer_id, key: Buffer.from(row.key) });

  return {
    async currentKey(customerId) {
      const found = byCustomer.get(customerId) as Row | undefined;
      if (found !== undefined) return toKey(found);
      // ON CONFLICT DO NOTHING: when another process created one first, its key wins and is read back.
      insert.run(randomUUID(), customerId, randomBytes(32), new Date().toISOString());
      return toKey(byCustomer.get(customerId) as Row);
    },
    async keyById(keyId) {
      const found = byId.get(keyId) as Row | undefined;
      return found === undefined ? undefined : toKey(found);
    },
    async eraseCustomer(customerId) {
      const { changes } = erase.run(customerId);
      // Moves the WAL into the file (where secure_delete zeroed the row) and truncates the WAL to 0.
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return Number(changes);
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
