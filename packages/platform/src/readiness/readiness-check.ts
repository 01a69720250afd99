/** One condition for taking traffic: resolves with why the service is not ready, or null when it is. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | null>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly reason?: string }[];
}

/**
 * Runs every check at once, each bounded by `timeoutMs`: a store that hangs makes the service not
 * ready (with that reason) instead of making the probe hang.
 */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const reason = await withTimeout(check(), timeoutMs).catch((error: unknown) =>
        error instanceof Error ? error.message : String(error),
      );
      return reason === null ? { name, ok: true } : { name, ok: false, reason };
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
