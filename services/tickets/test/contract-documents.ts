import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { compareVersions } from '../src/contracts/breaking-changes.js';

export const CONTRACTS_DIR = join(resolve(import.meta.dirname, '../../..'), 'docs/contracts');

type Json = Record<string, unknown>;

/** A JSON pointer to a place in a document. */
export const pointerOf = (...parts: (string | number)[]): string =>
  `#/${parts.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

/**
 * Validates values against the schemas inside an OpenAPI (JSON Schema 2020-12) or AsyncAPI
 * (draft-07) document, addressed by JSON pointer, `$ref`s resolved within the document.
 */
export function documentValidator(document: Json, dialect: '2020-12' | 'draft-07') {
  const options = { strict: false, allErrors: true, validateSchema: false } as const;
  const ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  addFormats.default(ajv);
  ajv.addSchema(document as object, 'contract');
  const compiled = new Map<string, ValidateFunction>();
  return (pointer: string, value: unknown): string[] => {
    let validate = compiled.get(pointer);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `contract${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate(value)
      ? []
      : (validate.errors ?? []).map(
          (error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
        );
  };
}

/** The published documents in docs/contracts/, `<kind>-<version>.json`, oldest first. */
export function publishedDocuments(kind: 'openapi' | 'asyncapi'): { version: string; file: string; document: Json }[] {
  const pattern = new RegExp(`^${kind}-(\\d+\\.\\d+\\.\\d+)\\.json$`);
  return readdirSync(CONTRACTS_DIR)
    .flatMap((file) => {
      const match = pattern.exec(file);
      return match === null
        ? []
        : [{ version: match[1]!, file, document: JSON.parse(readFileSync(join(CONTRACTS_DIR, file), 'utf8')) as Json }];
    })
    .sort((a, b) => compareVersions(a.version, b.version));
}
