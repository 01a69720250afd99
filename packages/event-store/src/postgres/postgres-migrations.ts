import type pg from 'pg';
import { quotedSchema } from './postgres-identifiers.js';
import { checkOut } from './postgres-pool.js';

export interface Migrations {
  readonly schema: string;
  /** Who owns these steps (`event-store`, `ticket-read-model`, …): each component counts its own versions. */
  readonly component: string;
  /** Step n (1-based) upgrades from version n-1; a step is one or more statements, run in order. */
  readonly steps: readonly (readonly string[])[];
}

/**
 * Brings a component's tables in `schema` up to date: idempotent, and safe when several processes
 * start at once. A transaction-scoped advisory lock per schema serialises them (CREATE SCHEMA IF NOT
 * EXISTS and CREATE TABLE IF NOT EXISTS are not safe against a concurrent twin on their own); the
 * second one then finds the versions recorded and does nothing. Everything, the version rows
 * included, commits together or not at all.
 */
export async function runMigrations(pool: pg.Pool, migrations: Migrations): Promise<void> {
  const schema = quotedSchema(migrations.schema);
  const target = migrations.steps.length;
  const connection = await checkOut(pool);
  const { client } = connection;
  // A connection whose rollback fails is in an unknown state: it is closed, not pooled again.
  let reusable = true;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${migrations.schema}:migrations`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         component  text COLLATE "C" NOT NULL,
         version    integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (component, version)
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) AS version FROM ${schema}.schema_migrations WHERE component = $1`,
      [migrations.component],
    );
    const current = rows[0]?.version ?? 0;
    if (current > target) {
      throw new Error(
        `${migrations.component} schema ${current} in ${migrations.schema} is newer than this code (${target})`,
      );
    }
    for (let version = current + 1; version <= target; version++) {
      for (const statement of migrations.steps[version - 1]!) await client.query(statement);
      await client.query(`INSERT INTO ${schema}.schema_migrations (component, version) VALUES ($1, $2)`, [
        migrations.component,
        version,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      reusable = false;
    });
    throw error;
  } finally {
    connection.release(!reusable);
  }
}
