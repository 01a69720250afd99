/**
 * The versions of the published contracts (semver). A change that removes or narrows a field needs
 * a new major version; any other change a new minor or patch (descriptions and examples aside, which
 * may be corrected in place). `test/contracts.unit.test.ts` compares the generated documents with the
 * published ones in docs/contracts/ and fails until the version says what the change is.
 */
export const CONTRACT_VERSIONS = {
  /** The HTTP API: docs/contracts/openapi-<version>.json. */
  http: '1.6.0',
  /** The Kafka topics: docs/contracts/asyncapi-<version>.json. */
  kafka: '1.3.0',
} as const;
