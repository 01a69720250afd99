import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES_SOURCE, jsonSchemas } from '@tickets/domain';
import { asyncApiDocument } from '../contracts/asyncapi.js';
import { openApiDocument } from '../contracts/openapi.js';
import { UsageError } from '../usage-error.js';

/** The shipped defaults, ready to save, edit and pass back with --rules / --policy. */
export function defaults(what: string): unknown {
  if (what === 'rules') return DEFAULT_RULES_SOURCE;
  if (what === 'policy') return DEFAULT_REOPEN_POLICY;
  throw new UsageError(`defaults: expected "rules" or "policy", got ${JSON.stringify(what)}`);
}

/** JSON Schemas of the public contracts, all or one by name; `openapi` and `asyncapi` for the whole documents. */
export function schemas(name?: string): unknown {
  if (name === 'openapi') return openApiDocument();
  if (name === 'asyncapi') return asyncApiDocument();
  const all = jsonSchemas();
  if (name === undefined) return all;
  const one = all[name];
  if (one === undefined)
    throw new UsageError(
      `schema: unknown schema ${JSON.stringify(name)}; one of ${[...Object.keys(all), 'openapi', 'asyncapi'].join(', ')}`,
    );
  return one;
}
