import { createSecretKey } from 'node:crypto';
import { openSqlite } from '../sqlite/open-sqlite.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';
import { newKeyId, newKeyMaterial } from './pii-cipher.js';

/**
 * The key store as a table of the events' SQLite file, on its own connection. `secure_delete` makes
 * SQLite overwrite deleted rows with zeros, and the WAL is checkpointed and truncated after an erasure,
 * so a deleted key leaves no copy in the database file or its WAL.
 */
export function createSqliteKeyStore(options: { path: string }): KeyStore {
  const db = openSqlite(options.path);
  // No automatic checkpoints from this connection: its small commits would otherwise now and then
  // pay for checkpointing the events' WAL, which the event store's connection does anyway.
  db.exec(`
    PRAGMA secure_delete = ON;
    PRAGMA wal_autocheckpoint = 0;
    CREATE TABLE IF NOT EXISTS pii_keys (
      key_id      TEXT PRIMARY KEY,
      customer_id TEXT NOT NULL UNIQUE,
      key         BLOB NOT NULL,
      created_at  TEXT NOT NULL
    );
  `);
  const byCustomer = db.prepare('SELECT key_id, customer_id, key FROM pii_keys WHERE customer_id = ?');
  const byId = db.prepare('SELECT key_id, customer_id, key FROM pii_keys WHERE key_id = ?');
  const insert = db.prepare(
    'INSERT INTO pii_keys (key_id, customer_id, key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (customer_id) DO NOTHING',
  );
  const erase = db.prepare('DELETE FROM pii_keys WHERE customer_id = ?');

  type Row = { key_id: string; customer_id: string; key: Uint8Array };
  const toKey = (row: Row): CustomerKey => ({
    keyId: row.key_id,
    customerId: row.customer_id,
    key: createSecretKey(Buffer.from(row.key)),
  });

  return {
    async currentKeys(customerIds) {
      // Asked only for customers the caller has not met yet, mostly new ones: one insert each, and a
      // read only for those that already had a key (or that another process created meanwhile).
      // ON CONFLICT DO NOTHING: when another process created a key first, its key wins and is read back.
      const keys = new Map<string, CustomerKey>();
      if (customerIds.length === 0) return keys;
      const existing: string[] = [];
      const now = new Date();
      const createdAt = now.toISOString();
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const id of customerIds) {
          const keyId = newKeyId(now);
          const material = newKeyMaterial();
          if (Number(insert.run(keyId, id, material, createdAt).changes) === 1)
            keys.set(id, { keyId, customerId: id, key: createSecretKey(material) });
          else existing.push(id);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      for (const id of existing) keys.set(id, toKey(byCustomer.get(id) as Row));
      return keys;
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
