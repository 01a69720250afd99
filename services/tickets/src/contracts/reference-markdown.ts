type Json = Record<string, unknown>;

// The integrators' reference page (docs/contracts/reference.md), written from the two documents so
// it says what they say: operations, topics, messages and every schema's fields. A unit test keeps
// the committed page equal to what this prints.

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const entries = (value: unknown): [string, Json][] =>
  isObject(value) ? (Object.entries(value) as [string, Json][]) : [];
const cell = (text: unknown): string =>
  String(text ?? '')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ');
const anchor = (name: string): string => name.toLowerCase();

const lookup = (doc: Json, ref: string): Json =>
  ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<Json>((node, key) => (node[key] ?? {}) as Json, doc);
const deref = (doc: Json, node: Json): Json => (typeof node['$ref'] === 'string' ? lookup(doc, node['$ref']) : node);

/** A schema in a few words: `string (max 256)`, `"open" \| "closed"`, `array of [TicketState](#…)`. */
function typeOf(schema: unknown): string {
  if (!isObject(schema)) return 'any';
  if (typeof schema['$ref'] === 'string') {
    const name = schema['$ref'].split('/').at(-1)!;
    return schema['$ref'].includes('/schemas/') ? `[${name}](#${anchor(name)})` : name;
  }
  if ('const' in schema) return `\`${JSON.stringify(schema['const'])}\``;
  if (Array.isArray(schema['enum'])) return schema['enum'].map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  for (const union of ['oneOf', 'anyOf']) {
    if (Array.isArray(schema[union])) return (schema[union] as unknown[]).map(typeOf).join(' \\| ');
  }
  const types = Array.isArray(schema['type'])
    ? (schema['type'] as string[])
    : schema['type'] === undefined
      ? []
      : [String(schema['type'])];
  const base = types
    .map((type) =>
      type === 'array'
        ? `array of ${typeOf(schema['items'])}`
        : type === 'object' && isObject(schema['additionalProperties'])
          ? `map of ${typeOf(schema['additionalProperties'])}`
          : type,
    )
    .join(' \\| ');
  const limits = [
    schema['format'] === undefined ? '' : String(schema['format']),
    schema['minLength'] === undefined ? '' : `min ${String(schema['minLength'])}`,
    schema['maxLength'] === undefined ? '' : `max ${String(schema['maxLength'])}`,
    schema['minItems'] === undefined ? '' : `min ${String(schema['minItems'])} items`,
    schema['maxItems'] === undefined ? '' : `max ${String(schema['maxItems'])} items`,
    schema['minimum'] === undefined ? '' : `≥ ${String(schema['minimum'])}`,
    schema['maximum'] === undefined ? '' : `≤ ${String(schema['maximum'])}`,
  ].filter((limit) => limit !== '');
  return `${base || 'any'}${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
}

/** Rows `field | type | required | description`, nested objects flattened with dotted names. */
function fieldRows(schema: Json, prefix = '', depth = 0): string[] {
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  return entries(schema['properties']).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    const nested = depth < 3 && property['type'] === 'object' && isObject(property['properties']);
    const row = `| \`${path}\` | ${nested ? 'object' : typeOf(property)} | ${required.has(name) ? 'yes' : ''} | ${cell(property['description'])} |`;
    return nested ? [row, ...fieldRows(property, `${path}.`, depth + 1)] : [row];
  });
}

function schemaSection(name: string, schema: Json): string[] {
  const lines = [`### ${name}`, ''];
  if (typeof schema['description'] === 'string') lines.push(schema['description'], '');
  const rows = fieldRows(schema);
  if (rows.length > 0) lines.push('| field | type | required | description |', '|---|---|---|---|', ...rows, '');
  else lines.push(`${typeOf(schema)}`, '');
  return lines;
}

function operationSection(doc: Json, route: string, method: string, operation: Json): string[] {
  const lines = [
    `### \`${method.toUpperCase()} ${route}\``,
    '',
    `${String(operation['summary'] ?? '')}${typeof operation['description'] === 'string' ? `. ${operation['description']}` : ''}`,
    '',
  ];
  const security = Array.isArray(operation['security']) ? (operation['security'] as Json[]) : [];
  const auth = security.flatMap((requirement) =>
    Object.entries(requirement).map(([scheme, roles]) =>
      Array.isArray(roles) && roles.length > 0 ? `${scheme} (${roles.join(', ')})` : scheme,
    ),
  );
  lines.push(`Authentication: ${auth.length === 0 ? 'none' : auth.join(' or ')}.`, '');
  const parameters = (Array.isArray(operation['parameters']) ? (operation['parameters'] as Json[]) : []).map(
    (parameter) => deref(doc, parameter),
  );
  if (parameters.length > 0) {
    lines.push('| parameter | in | required | type | description |', '|---|---|---|---|---|');
    for (const parameter of parameters)
      lines.push(
        `| \`${String(parameter['name'])}\` | ${String(parameter['in'])} | ${parameter['required'] === true ? 'yes' : ''} | ${typeOf(parameter['schema'])} | ${cell(parameter['description'])} |`,
      );
    lines.push('');
  }
  const body = isObject(operation['requestBody']) ? operation['requestBody'] : undefined;
  for (const [mediaType, content] of entries(body?.['content']))
    lines.push(`Request \`${mediaType}\`: ${typeOf(content['schema'])}`, '');
  lines.push('| status | meaning | body | headers |', '|---|---|---|---|');
  for (const [status, raw] of entries(operation['responses'])) {
    const response = deref(doc, raw);
    const bodies = entries(response['content']).map(
      ([mediaType, content]) => `${typeOf(content['schema'])} (\`${mediaType}\`)`,
    );
    const headers = Object.keys(isObject(response['headers']) ? response['headers'] : {}).map((name) => `\`${name}\``);
    lines.push(`| ${status} | ${cell(response['description'])} | ${bodies.join('<br>')} | ${headers.join(', ')} |`);
  }
  lines.push('');
  return lines;
}

function channelSection(doc: Json, name: string, channel: Json): string[] {
  const kafka =
    isObject(channel['bindings']) && isObject(channel['bindings']['kafka']) ? channel['bindings']['kafka'] : {};
  const settings = [
    `partitions ${String(kafka['partitions'])}`,
    `replicas ${String(kafka['replicas'])}`,
    ...entries(kafka['topicConfiguration']).map(([key, value]) => `${key} = ${JSON.stringify(value)}`),
  ];
  const lines = [
    `### \`${String(channel['address'])}\` (${name})`,
    '',
    `${String(channel['title'] ?? '')}. ${String(channel['description'] ?? '')}`,
    '',
    `Topic: ${settings.join(', ')}.`,
    '',
  ];
  lines.push('| message | content type | key | headers | payload |', '|---|---|---|---|---|');
  for (const [, raw] of entries(channel['messages'])) {
    const message = deref(doc, raw);
    const key =
      isObject(message['bindings']) &&
      isObject(message['bindings']['kafka']) &&
      isObject(message['bindings']['kafka']['key'])
        ? message['bindings']['kafka']['key']
        : {};
    const headerSchema = isObject(message['headers']) ? message['headers'] : {};
    const required = new Set(Array.isArray(headerSchema['required']) ? (headerSchema['required'] as string[]) : []);
    const headers = entries(headerSchema['properties']).map(
      ([header, schema]) => `\`${header}\`${required.has(header) ? '' : '?'}: ${cell(schema['description'])}`,
    );
    lines.push(
      `| ${String(message['title'] ?? message['name'])} | \`${String(message['contentType'])}\` | ${cell(key['description'])} | ${headers.join('<br>')} | ${typeOf(message['payload'])} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The reference page for both documents, in Markdown. */
export function contractReference(openapi: Json, asyncapi: Json): string {
  const httpVersion = String((openapi['info'] as Json)['version']);
  const kafkaVersion = String((asyncapi['info'] as Json)['version']);
  const lines = [
    '# Contract reference',
    '',
    `<!-- Generated by \`tickets schema reference\` from the OpenAPI ${httpVersion} and AsyncAPI ${kafkaVersion} documents: do not edit. -->`,
    '',
    `The machine-readable documents: [openapi-${httpVersion}.json](openapi-${httpVersion}.json) (also \`GET /openapi.json\`) and`,
    `[asyncapi-${kafkaVersion}.json](asyncapi-${kafkaVersion}.json). How to use them: [the integrators' guide](../integrators.md).`,
    '',
    `## HTTP API (OpenAPI ${httpVersion})`,
    '',
    String((openapi['info'] as Json)['description']),
    '',
  ];
  for (const [route, item] of entries(openapi['paths']))
    for (const [method, operation] of entries(item)) lines.push(...operationSection(openapi, route, method, operation));
  lines.push(`## Kafka topics (AsyncAPI ${kafkaVersion})`, '', String((asyncapi['info'] as Json)['description']), '');
  for (const [name, channel] of entries(asyncapi['channels'])) lines.push(...channelSection(asyncapi, name, channel));
  lines.push('## Schemas', '');
  const schemas = new Map(entries((openapi['components'] as Json)['schemas']));
  for (const [name, schema] of entries((asyncapi['components'] as Json)['schemas']))
    if (!schemas.has(name)) schemas.set(name, schema);
  for (const [name, schema] of schemas) lines.push(...schemaSection(name, schema));
  return `${lines.join('\n').trimEnd()}\n`;
}
