import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument } from '../src/contracts/asyncapi.js';
import { asyncApiBreakingChanges, majorOf, openApiBreakingChanges } from '../src/contracts/breaking-changes.js';
import { CONTRACT_VERSIONS } from '../src/contracts/contract-versions.js';
import { openApiDocument } from '../src/contracts/openapi.js';
import { contractReference } from '../src/contracts/reference-markdown.js';
import { CONTRACTS_DIR, documentValidator, pointerOf, publishedDocuments } from './contract-documents.js';

type Json = Record<string, unknown>;
const entries = (value: unknown): [string, Json][] => Object.entries((value ?? {}) as Record<string, Json>);

describe('the OpenAPI document', () => {
  const document = openApiDocument();

  it('is valid OpenAPI 3.1 for the official parser', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(document['openapi']).toBe('3.1.0');
  });

  it('holds examples that each validate against the schema they illustrate', () => {
    const check = documentValidator(document, '2020-12');
    let examples = 0;
    for (const [route, item] of entries(document['paths'])) {
      for (const [method, operation] of entries(item)) {
        const at = ['paths', route, method];
        for (const [mediaType, content] of entries((operation['requestBody'] as Json | undefined)?.['content'])) {
          for (const [name, example] of entries(content['examples'])) {
            examples++;
            expect(
              check(pointerOf(...at, 'requestBody', 'content', mediaType, 'schema'), example['value']),
              `${method} ${route} request ${name}`,
            ).toEqual([]);
          }
        }
        ((operation['parameters'] ?? []) as Json[]).forEach((parameter, index) => {
          for (const [name, example] of entries(parameter['examples'])) {
            examples++;
            expect(
              check(pointerOf(...at, 'parameters', index, 'schema'), example['value']),
              `${method} ${route} ${String(parameter['name'])} ${name}`,
            ).toEqual([]);
          }
        });
        for (const [status, response] of entries(operation['responses'])) {
          for (const [mediaType, content] of entries(response['content'])) {
            for (const [name, example] of entries(content['examples'])) {
              examples++;
              expect(
                check(pointerOf(...at, 'responses', status, 'content', mediaType, 'schema'), example['value']),
                `${method} ${route} ${status} ${name}`,
              ).toEqual([]);
            }
          }
        }
      }
    }
    expect(examples).toBeGreaterThan(10);
  });
});

describe('the AsyncAPI document', () => {
  const document = asyncApiDocument();

  it('is valid AsyncAPI 3 for the official parser, with no diagnostic at all', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    expect(diagnostics.map((d) => `${d.severity} ${d.code} ${d.message} ${d.path.join('.')}`)).toEqual([]);
    expect(parsed?.version()).toMatch(/^3\./);
    expect(
      parsed
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['tickets.inbound', 'tickets.inbound.dlq', 'tickets.commands', 'tickets.state']);
  }, 60_000);

  it('holds message examples whose payload and headers validate against the message', () => {
    const check = documentValidator(document, 'draft-07');
    let examples = 0;
    for (const [name, message] of entries((document['components'] as Json)['messages'])) {
      ((message['examples'] ?? []) as Json[]).forEach((example, index) => {
        examples++;
        expect(
          check(pointerOf('components', 'messages', name, 'payload'), example['payload']),
          `${name} example ${index} payload`,
        ).toEqual([]);
        expect(
          check(pointerOf('components', 'messages', name, 'headers'), example['headers']),
          `${name} example ${index} headers`,
        ).toEqual([]);
      });
    }
    expect(examples).toBeGreaterThanOrEqual(4);
  });
});

/** A document without what is for people only (descriptions, summaries, titles, examples). */
const contractOnly = (node: unknown, names = false): unknown => {
  if (Array.isArray(node)) return node.map((item) => contractOnly(item));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      // Under `properties` the keys are field names: a field called `title` is contract.
      .filter(([key]) => names || !['description', 'summary', 'title', 'examples', 'example'].includes(key))
      .map(([key, value]) => [key, contractOnly(value, key === 'properties' && !names)]),
  );
};

// Versioning: every published version is kept in docs/contracts/ as `<kind>-<version>.json`. The
// document this code generates must be the published one of its version, byte for byte in JSON
// terms; a changed contract needs a new version there, and a new major one when it removes or
// narrows a field of the previous version.
describe.each([
  {
    kind: 'openapi' as const,
    generate: openApiDocument,
    version: CONTRACT_VERSIONS.http,
    breaking: openApiBreakingChanges,
  },
  {
    kind: 'asyncapi' as const,
    generate: asyncApiDocument,
    version: CONTRACT_VERSIONS.kafka,
    breaking: asyncApiBreakingChanges,
  },
])('the published $kind contract', ({ kind, generate, version, breaking }) => {
  const published = publishedDocuments(kind);
  const write = `npm run -s tickets -- schema ${kind} > docs/contracts/${kind}-<version>.json`;

  it('of the current version is the generated document: a change needs a new version', () => {
    const generated = JSON.parse(JSON.stringify(generate())) as Json;
    const current = published.find((entry) => entry.version === version);
    const latest = published.at(-1);
    const changes = latest === undefined ? [] : breaking(latest.document, generated);
    const advice =
      changes.length > 0
        ? `it removes or narrows: ${changes.join('; ')} — a new MAJOR version`
        : 'a new minor (or patch) version';
    expect(current, `no docs/contracts/${kind}-${version}.json: publish it with ${write}`).toBeDefined();
    expect(
      contractOnly(generated),
      `the ${kind} contract ${version} was published and has changed: bump CONTRACT_VERSIONS (${advice}) in src/contracts/contract-versions.ts, then ${write}`,
    ).toEqual(contractOnly(current?.document));
    // Words and examples are not the contract: they may be corrected within a version, in place.
    expect(
      generated,
      `only descriptions or examples changed: no new version needed, rewrite the published file with ${write.replace('<version>', version)}`,
    ).toEqual(current?.document);
  });

  it('never removes or narrows a field without a new major version', () => {
    for (const entry of published) expect((entry.document['info'] as Json)['version'], entry.file).toBe(entry.version);
    for (let i = 1; i < published.length; i++) {
      const [before, after] = [published[i - 1]!, published[i]!];
      if (majorOf(after.version) > majorOf(before.version)) continue;
      expect(breaking(before.document, after.document), `${before.file} → ${after.file}`).toEqual([]);
    }
  });
});

describe("the integrators' reference page", () => {
  it('says what the documents say: docs/contracts/reference.md is generated from them', () => {
    const committed = readFileSync(join(CONTRACTS_DIR, 'reference.md'), 'utf8');
    expect(committed, 'regenerate it: npm run -s tickets -- schema reference > docs/contracts/reference.md').toBe(
      contractReference(openApiDocument(), asyncApiDocument()),
    );
  });
});

describe('breaking changes between two versions of a contract', () => {
  const base = openApiDocument();
  const edited = (edit: (document: Json) => void): Json => {
    const copy = structuredClone(base);
    edit(copy);
    return copy;
  };
  const schemas = (document: Json) => (document['components'] as Json)['schemas'] as Record<string, Json>;
  const properties = (document: Json, name: string) => schemas(document)[name]!['properties'] as Record<string, Json>;

  it('finds none between a document and itself', () => {
    expect(openApiBreakingChanges(base, base)).toEqual([]);
    expect(asyncApiBreakingChanges(asyncApiDocument(), asyncApiDocument())).toEqual([]);
  });

  it('finds a removed response field', () => {
    const after = edited((d) => delete properties(d, 'TicketState')['reopenCount']);
    expect(openApiBreakingChanges(base, after).join('\n')).toMatch(
      /GET \/v1\/tickets\/\{id\} 200\.reopenCount: removed/,
    );
  });

  it('finds a narrowed request field: a lower maximum length', () => {
    const after = edited((d) => {
      const subject = properties(d, 'MessageReceivedEvent')['subject']!;
      subject['maxLength'] = 64;
    });
    expect(openApiBreakingChanges(base, after).join('\n')).toMatch(
      /POST \/v1\/events request application\/cloudevents\+json.*subject: maxLength lowered to 64/,
    );
  });

  it('finds a removed enum value and a newly required field', () => {
    const after = edited((d) => {
      const channel = (properties(d, 'MessageReceivedEvent')['data']!['properties'] as Record<string, Json>)[
        'channel'
      ]!;
      channel['enum'] = ['sms', 'email', 'chat'];
      (schemas(d)['TicketClosedEvent']!['required'] as string[]).push('dataschema');
    });
    const changes = openApiBreakingChanges(base, after).join('\n');
    expect(changes).toMatch(/data\.channel: value "whatsapp" no longer allowed/);
    expect(changes).toMatch(/dataschema: now required/);
  });

  it('takes a new field always present in a response as an addition, not a narrowing (readers get more)', () => {
    const after = edited((d) => {
      properties(d, 'TicketState')['slaDue'] = { type: 'string' };
      (schemas(d)['TicketState']!['required'] as string[]).push('slaDue');
    });
    expect(openApiBreakingChanges(base, after)).toEqual([]);
  });

  it('finds a removed operation and a removed event type', () => {
    const after = edited((d) => {
      delete (d['paths'] as Json)['/v1/tickets'];
      const union = schemas(d)['InboundEvent']!;
      const key = 'oneOf' in union ? 'oneOf' : 'anyOf';
      union[key] = (union[key] as Json[]).filter(
        (variant) => variant['$ref'] !== '#/components/schemas/TicketAssignedEvent',
      );
    });
    const changes = openApiBreakingChanges(base, after).join('\n');
    expect(changes).toMatch(/GET \/v1\/tickets: removed/);
    expect(changes).toMatch(/variant type="ticket.assigned" removed/);
  });

  it('lets a new optional field and a new enum value through', () => {
    const after = edited((d) => {
      properties(d, 'TicketState')['priority'] = { type: 'string' };
      const status = properties(d, 'TicketState')['status']!;
      status['enum'] = ['open', 'closed', 'snoozed'];
    });
    expect(openApiBreakingChanges(base, after)).toEqual([]);
  });

  it('finds a renamed topic and a removed command type', () => {
    const before = asyncApiDocument();
    const after = structuredClone(before);
    ((after['channels'] as Json)['state'] as Json)['address'] = 'tickets.states';
    delete (((after['channels'] as Json)['commands'] as Json)['messages'] as Json)['TicketCloseCommand'];
    const changes = asyncApiBreakingChanges(before, after).join('\n');
    expect(changes).toMatch(/channel state: address "tickets.state" is now "tickets.states"/);
    expect(changes).toMatch(/channel commands message TicketCloseCommand: removed/);
  });
});
