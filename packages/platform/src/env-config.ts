import type { z } from 'zod';
import { formatZodIssues } from './config-file.js';
import { ConfigError } from './config-error.js';

export { ConfigError };

/** Reads a service's settings from the environment through its zod schema; fails fast listing every problem. */
export function readEnvConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`invalid environment:\n${formatZodIssues(parsed.error.issues)}`);
}
