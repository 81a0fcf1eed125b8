/**
 * The GraphQL schema's source of truth: the SDL files in schema/graphql/, joined in name order.
 * Read at start-up from the repository (the api runs from dist/ inside a checkout).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttestryError } from '../../libs/core/index.js';

/** A path inside the checkout this module runs from (from services/api or dist/services/api). */
export function checkoutPath(...rel: string[]): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, ...rel);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new AttestryError('CONFIG_INVALID', `${rel.join('/')} not found above services/api`);
}

export function sdlDir(): string {
  return checkoutPath('schema', 'graphql');
}

/** The dashboard page (services/api/web/index.html), served at / by the api. */
export function readDashboard(): string {
  return readFileSync(checkoutPath('services', 'api', 'web', 'index.html'), 'utf8');
}

export function readSdl(dir = sdlDir()): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}
