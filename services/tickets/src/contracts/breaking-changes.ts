type Json = Record<string, unknown>;

// What "removes or narrows a field" means between two versions of a document, read from their
// schemas: a property gone, a property newly required or no longer always sent, a type, enum value
// or union variant no longer there, a bound, pattern or format tightened, an object closed. Applied
// to what callers send and to what we send alike: for a request it means a call that worked is now
// refused, for a response a field a consumer read may be missing or a value it stored may not fit.
// Conservative on purpose (a change it flags may be harmless); it must never miss a removal.

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const pointer = (doc: Json, ref: string): unknown => {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
};

/** Follows `$ref`s (local ones) until a schema without one. */
const resolve = (doc: Json, node: unknown): unknown => {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current['$ref'] === 'string' && hops < 32; hops++)
    current = pointer(doc, current['$ref']);
  return current;
};

const CONSTRAINING = [
  'type',
  'enum',
  'const',
  'properties',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'required',
];
const constrains = (schema: Json): boolean => CONSTRAINING.some((key) => key in schema);

const typesOf = (schema: Json): Set<string> | null => {
  const type = schema['type'];
  if (type === undefined) return null;
  return new Set(Array.isArray(type) ? (type as string[]) : [type as string]);
};

const valuesOf = (schema: Json): unknown[] | null =>
  'const' in schema ? [schema['const']] : Array.isArray(schema['enum']) ? (schema['enum'] as unknown[]) : null;

/** The constant properties of a union variant (`type: "ticket.closed"`, `specversion: "1.0"`). */
function constantsOf(doc: Json, variant: unknown): Map<string, string> {
  const schema = resolve(doc, variant);
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  const constants = new Map<string, string>();
  for (const [name, property] of Object.entries(properties)) {
    const resolved = resolve(doc, property);
    if (isObject(resolved) && 'const' in resolved) constants.set(name, JSON.stringify(resolved['const']));
  }
  return constants;
}

/**
 * Each union variant's identity: the value of the constant property that tells them all apart
 * (`type`, `status`: the discriminator), else its position.
 */
function variantKeys(doc: Json, variants: readonly unknown[]): string[] {
  const constants = variants.map((variant) => constantsOf(doc, variant));
  const names = [...(constants[0]?.keys() ?? [])];
  const discriminator = names.find((name) => {
    const values = constants.map((c) => c.get(name));
    return values.every((value) => value !== undefined) && new Set(values).size === values.length;
  });
  return variants.map((_variant, index) =>
    discriminator === undefined ? `#${index}` : `${discriminator}=${constants[index]!.get(discriminator)!}`,
  );
}

interface Side {
  readonly doc: Json;
  readonly schema: unknown;
}

/**
 * `reading`: the schema describes what a consumer reads (a response, a record we publish). A property
 * that becomes required there is one more guarantee, not a narrowing; for what a client sends it is.
 */
function compareSchemas(
  before: Side,
  after: Side,
  path: string,
  out: string[],
  seen: Set<string>,
  reading = false,
): void {
  const visit = `${JSON.stringify(before.schema)}→${JSON.stringify(after.schema)}@${path}:${reading}`;
  if (seen.has(visit) || seen.size > 20_000) return;
  seen.add(visit);
  const a = resolve(before.doc, before.schema);
  const b = resolve(after.doc, after.schema);
  if (!isObject(b) || !constrains(b)) return; // accepts anything: nothing narrowed
  if (!isObject(a) || !constrains(a)) {
    out.push(`${path}: constrained where it accepted anything`);
    return;
  }
  const typesA = typesOf(a);
  const typesB = typesOf(b);
  if (typesB !== null) {
    const lost =
      typesA === null
        ? ['(any)']
        : [...typesA].filter((type) => !typesB.has(type) && !(type === 'integer' && typesB.has('number')));
    if (lost.length > 0) out.push(`${path}: type ${lost.join(', ')} no longer allowed`);
  }
  const valuesA = valuesOf(a);
  const valuesB = valuesOf(b);
  if (valuesB !== null) {
    const lost =
      valuesA === null
        ? ['(any value)']
        : valuesA
            .filter((value) => !valuesB.some((other) => JSON.stringify(other) === JSON.stringify(value)))
            .map((value) => JSON.stringify(value));
    if (lost.length > 0) out.push(`${path}: value ${lost.join(', ')} no longer allowed`);
  }
  for (const key of ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties']) {
    const was = a[key] as number | undefined;
    const now = b[key] as number | undefined;
    if (now !== undefined && (was === undefined || now > was)) out.push(`${path}: ${key} raised to ${now}`);
  }
  for (const key of ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties']) {
    const was = a[key] as number | undefined;
    const now = b[key] as number | undefined;
    if (now !== undefined && (was === undefined || now < was)) out.push(`${path}: ${key} lowered to ${now}`);
  }
  for (const key of ['pattern', 'format']) {
    if (b[key] !== undefined && b[key] !== a[key]) out.push(`${path}: ${key} now ${JSON.stringify(b[key])}`);
  }
  if (b['additionalProperties'] === false && a['additionalProperties'] !== false && isObject(a['properties'])) {
    out.push(`${path}: no longer accepts other properties`);
  }
  const propsA = isObject(a['properties']) ? a['properties'] : {};
  const propsB = isObject(b['properties']) ? b['properties'] : {};
  const requiredA = new Set(Array.isArray(a['required']) ? (a['required'] as string[]) : []);
  const requiredB = new Set(Array.isArray(b['required']) ? (b['required'] as string[]) : []);
  for (const [name, schema] of Object.entries(propsA)) {
    if (!(name in propsB)) out.push(`${path}.${name}: removed`);
    else
      compareSchemas(
        { doc: before.doc, schema },
        { doc: after.doc, schema: propsB[name] },
        `${path}.${name}`,
        out,
        seen,
        reading,
      );
  }
  if (!reading) for (const name of requiredB) if (!requiredA.has(name)) out.push(`${path}.${name}: now required`);
  for (const name of requiredA)
    if (!requiredB.has(name) && name in propsB) out.push(`${path}.${name}: no longer always present`);
  if (a['items'] !== undefined && b['items'] !== undefined)
    compareSchemas(
      { doc: before.doc, schema: a['items'] },
      { doc: after.doc, schema: b['items'] },
      `${path}[]`,
      out,
      seen,
      reading,
    );
  for (const union of ['anyOf', 'oneOf']) {
    const variantsA = Array.isArray(a[union]) ? (a[union] as unknown[]) : null;
    const variantsB = Array.isArray(b[union]) ? (b[union] as unknown[]) : null;
    if (variantsA === null || variantsB === null) continue;
    const keysB = variantKeys(after.doc, variantsB);
    const byKey = new Map(variantsB.map((variant, index) => [keysB[index]!, variant]));
    const keysA = variantKeys(before.doc, variantsA);
    variantsA.forEach((variant, index) => {
      const key = keysA[index]!;
      const match = byKey.get(key);
      if (match === undefined) out.push(`${path}: variant ${key} removed`);
      else
        compareSchemas(
          { doc: before.doc, schema: variant },
          { doc: after.doc, schema: match },
          `${path}<${key}>`,
          out,
          seen,
          reading,
        );
    });
  }
}

const entries = (value: unknown): [string, unknown][] => (isObject(value) ? Object.entries(value) : []);

/** Breaking changes from one OpenAPI document to the next: operations, parameters, bodies and responses. */
export function openApiBreakingChanges(before: Json, after: Json): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const compare = (x: unknown, y: unknown, path: string, reading = false) =>
    compareSchemas({ doc: before, schema: x }, { doc: after, schema: y }, path, out, seen, reading);
  for (const [route, itemA] of entries(before['paths'])) {
    const itemB = resolve(after, (after['paths'] as Json | undefined)?.[route]);
    for (const [method, operationA] of entries(itemA)) {
      const operationB = isObject(itemB) ? itemB[method] : undefined;
      const where = `${method.toUpperCase()} ${route}`;
      if (!isObject(operationA)) continue;
      if (!isObject(operationB)) {
        out.push(`${where}: removed`);
        continue;
      }
      const parameters = (operation: Json, doc: Json) =>
        new Map(
          (Array.isArray(operation['parameters']) ? operation['parameters'] : [])
            .map((parameter) => resolve(doc, parameter))
            .filter(isObject)
            .map((parameter) => [`${String(parameter['in'])} ${String(parameter['name'])}`, parameter]),
        );
      const paramsA = parameters(operationA, before);
      const paramsB = parameters(operationB, after);
      for (const [key, parameterA] of paramsA) {
        const parameterB = paramsB.get(key);
        if (parameterB === undefined) out.push(`${where} parameter ${key}: removed`);
        else {
          if (parameterB['required'] === true && parameterA['required'] !== true)
            out.push(`${where} parameter ${key}: now required`);
          compare(parameterA['schema'], parameterB['schema'], `${where} parameter ${key}`);
        }
      }
      for (const [key, parameterB] of paramsB)
        if (!paramsA.has(key) && parameterB['required'] === true)
          out.push(`${where} parameter ${key}: new and required`);
      const bodyA = resolve(before, operationA['requestBody']);
      const bodyB = resolve(after, operationB['requestBody']);
      for (const [mediaType, contentA] of entries(isObject(bodyA) ? bodyA['content'] : undefined)) {
        const contentB = isObject(bodyB) && isObject(bodyB['content']) ? bodyB['content'][mediaType] : undefined;
        if (!isObject(contentB)) out.push(`${where} request ${mediaType}: no longer accepted`);
        else compare((contentA as Json)['schema'], contentB['schema'], `${where} request ${mediaType}`);
      }
      for (const [status, responseA] of entries(operationA['responses'])) {
        const responseB = resolve(
          after,
          isObject(operationB['responses']) ? operationB['responses'][status] : undefined,
        );
        const resolvedA = resolve(before, responseA);
        if (!isObject(responseB) || !isObject(resolvedA)) continue;
        for (const [mediaType, contentA] of entries(resolvedA['content'])) {
          const contentB = isObject(responseB['content']) ? responseB['content'][mediaType] : undefined;
          if (!isObject(contentB)) out.push(`${where} ${status} ${mediaType}: no longer sent`);
          else compare((contentA as Json)['schema'], contentB['schema'], `${where} ${status}`, true);
        }
        for (const [name] of entries(resolvedA['headers'])) {
          if (!isObject(responseB['headers']) || !(name in responseB['headers']))
            out.push(`${where} ${status} header ${name}: removed`);
        }
      }
    }
  }
  return out;
}

/** Breaking changes from one AsyncAPI document to the next: channels, their addresses, messages, payloads, headers and keys. */
export function asyncApiBreakingChanges(before: Json, after: Json): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const compare = (x: unknown, y: unknown, path: string) =>
    compareSchemas({ doc: before, schema: x }, { doc: after, schema: y }, path, out, seen);
  for (const [name, channelA] of entries(before['channels'])) {
    const channelB = resolve(after, (after['channels'] as Json | undefined)?.[name]);
    if (!isObject(channelA)) continue;
    if (!isObject(channelB)) {
      out.push(`channel ${name}: removed`);
      continue;
    }
    if (channelA['address'] !== channelB['address'])
      out.push(
        `channel ${name}: address ${JSON.stringify(channelA['address'])} is now ${JSON.stringify(channelB['address'])}`,
      );
    for (const [messageName, messageA] of entries(channelA['messages'])) {
      const a = resolve(before, messageA);
      const b = resolve(after, isObject(channelB['messages']) ? channelB['messages'][messageName] : undefined);
      const where = `channel ${name} message ${messageName}`;
      if (!isObject(a)) continue;
      if (!isObject(b)) {
        out.push(`${where}: removed`);
        continue;
      }
      compare(a['payload'], b['payload'], `${where} payload`);
      compare(a['headers'], b['headers'], `${where} headers`);
      const key = (message: Json) =>
        isObject(message['bindings']) && isObject(message['bindings']['kafka'])
          ? message['bindings']['kafka']['key']
          : undefined;
      compare(key(a), key(b), `${where} key`);
    }
  }
  return out;
}

/** The major version of a semver string. */
export const majorOf = (version: string): number => Number(version.split('.')[0]);

/** Semver order of plain `x.y.z` versions. */
export const compareVersions = (x: string, y: string): number => {
  const a = x.split('.').map(Number);
  const b = y.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};
