/**
 * Configuration from the environment, through one zod schema per service. Pure: the caller
 * (a service's main.ts, the only reader of process.env) passes the environment in.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AttestryError } from '../core/index.js';

export { z };

/**
 * Parses `env` with `schema`. On failure throws CONFIG_INVALID whose `details` holds one line
 * per problem, each naming the variable, so a service can print them all and exit non-zero.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    const received =
      issue.code === 'invalid_type' && env[variable] === undefined ? 'is missing' : issue.message;
    return `${variable}: ${received}`;
  });
  throw new AttestryError('CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`, {
    details: lines,
  });
}

/** Common fragments, so every service spells shared variables the same way. */
export const port = (defaultPort: number) => z.coerce.number().int().min(1).max(65535).default(defaultPort);

export const host = z.string().min(1).default('127.0.0.1');

export const kafkaBrokers = z
  .string({ error: 'is missing (comma-separated host:port list, e.g. 127.0.0.1:9092)' })
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

export const databaseUrl = z
  .string({ error: 'is missing (postgres://user:password@host:port/database)' })
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);

/** Byte sizes: plain integers or with a KiB/MiB suffix (e.g. `8MiB`). */
export const byteSize = (def: number) =>
  z
    .string()
    .regex(/^\d+(KiB|MiB)?$/, 'must be a byte count such as 8388608 or 8MiB')
    .transform((s) => {
      const n = Number.parseInt(s, 10);
      return s.endsWith('MiB') ? n * 1024 * 1024 : s.endsWith('KiB') ? n * 1024 : n;
    })
    .optional()
    .transform((v) => v ?? def);

/**
 * The one loadConfig a service's main.ts calls: parses the environment it is given and, when
 * anything is wrong, prints one line per problem (each naming the variable) and exits non-zero.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  try {
    return parseConfig(schema, env);
  } catch (e) {
    const lines =
      e instanceof AttestryError && Array.isArray(e.details) ? (e.details as string[]) : [String(e)];
    for (const line of lines) process.stderr.write(`${service}: configuration: ${line}\n`);
    process.exit(78); // EX_CONFIG
  }
}

/** Variables every service reads. */
export const commonServiceConfig = {
  HOST: host,
  /** Prefix of every topic name and consumer group (default `attestry.`). */
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be letters, digits, dots, dashes or underscores')
    .default('attestry.'),
  LOG_LEVEL: logLevel,
  KAFKA_BROKERS: kafkaBrokers,
  DATABASE_URL: databaseUrl,
};

/** Reads JSON configuration files (trusted roots, key lists) named by a service's variables. */
export function readJsonFiles(files: readonly string[]): unknown[] {
  return files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as unknown;
    } catch (e) {
      throw new AttestryError(
        'CONFIG_INVALID',
        `cannot read JSON from ${f}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  });
}

/** Certificate authorities a signer's certificate may chain to, besides Sigstore's public-good roots. */
export const trustConfig = {
  /** Comma-separated Sigstore TrustedRoot JSON files (an operator's own CA, a staging instance). */
  TRUSTED_ROOT_FILES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    ),
  /** Comma-separated key lists in the npm registry's keys.json format: keys that bundles cite by hint (npm publish attestations). */
  KEY_HINT_FILES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    ),
};
