import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * zod's own JSON Schema export of named schemas, as a document's `components/schemas`: a schema of
 * the list used inside another becomes a `$ref` to it. `input` for what callers send (defaults
 * optional, the input side of transforms), `output` for what we send.
 */
export function componentSchemas(
  schemas: Readonly<Record<string, z.ZodType>>,
  options: { io: 'input' | 'output'; target: 'draft-2020-12' | 'draft-07' },
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    io: options.io,
    target: options.target,
    // Checks JSON Schema cannot say (refinements) are dropped; the documents say them in words.
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(out).map(([id, schema]) => {
      // Each component is a part of the document, not a schema resource of its own.
      const { $id: _id, $schema: _schema, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

/** One schema inline (a parameter's), with the same options. */
export function inlineSchema(
  schema: z.ZodType,
  options: { io: 'input' | 'output'; target: 'draft-2020-12' | 'draft-07' },
): JsonSchema {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, {
    io: options.io,
    target: options.target,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

export const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });
