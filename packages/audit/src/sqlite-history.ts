import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { Command } from '@tickets/domain';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { emptyColumns, type RecordedCommands, type RecordedHistory } from './recorded-history.js';

/** The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`); 2 added the chain hash, not read here. */
const KNOWN_SCHEMAS: ReadonlySet<unknown> = new Set([1, 2]);
const CHUNK = 5_000;

// Decoding every event through the port would spend most of a what-if run parsing rule decisions
// that emitted nothing. Against the embedded store, one scan in SQL picks the inbound log, with its
// customer for sharding, and only the decisions whose JSON does not end with an empty command list
// (the reactor writes `commands` last; compared as bytes, which skips UTF-8 decoding); anything else
// that slips through is checked after parsing. Inbound records stay JSON text: the what-if worker
// that decides an event parses it. Reads only, on its own read-only connection: a running `serve`
// is not disturbed.
const SELECT = `
  SELECT position,
         CASE WHEN type = 'InboundAccepted' THEN substr(stream, ${INBOUND_STREAM_PREFIX.length + 1}) END,
         data,
         CASE WHEN type = 'InboundAccepted' THEN json_extract(data, '$.event.subject') END
  FROM events
  WHERE substr(stream, 1, ${INBOUND_STREAM_PREFIX.length}) = '${INBOUND_STREAM_PREFIX}'
     OR (type = 'RulesEvaluated' AND substr(CAST(data AS BLOB), -14) <> CAST('"commands":[]}' AS BLOB))
  ORDER BY position`;

/** `key` is set for inbound records only. */
type Row = [position: number, key: string | null, data: string, subject: string | null];

/** The recorded history read straight from a SQLite store file; null when the file is not one this reader knows. */
export function sqliteHistory(path: string): RecordedHistory | null {
  if (!existsSync(path)) return null;
  const db = new DatabaseSync(path, { readOnly: true });
  const version = db.prepare('PRAGMA user_version').get()?.['user_version'];
  if (!KNOWN_SCHEMAS.has(version)) {
    db.close();
    return null;
  }
  const head = (db.prepare('SELECT max(position) AS head FROM events').get()?.['head'] as number | null) ?? 0;
  const select = db.prepare(SELECT);
  select.setReturnArrays(true);
  return {
    head,
    async *pages() {
      // Row by row, handed on in chunks: nothing of a row outlives its chunk.
      let inbound = emptyColumns();
      let commands: RecordedCommands[] = [];
      let count = 0;
      let lastPosition = 0;
      for (const row of select.iterate()) {
        const [position, key, text, subject] = row as unknown as Row;
        lastPosition = position;
        if (key !== null) {
          inbound.positions.push(position);
          inbound.keys.push(key);
          inbound.subjects.push((subject ?? '').trim());
          inbound.records.push(text);
        } else {
          const decided = (JSON.parse(text) as { commands: Command[] }).commands;
          if (decided.length > 0) commands.push({ position, commands: decided });
        }
        if (++count === CHUNK) {
          yield { inbound, commands, lastPosition };
          inbound = emptyColumns();
          commands = [];
          count = 0;
        }
      }
      if (count > 0) yield { inbound, commands, lastPosition };
    },
    async close() {
      db.close();
    },
  };
}
