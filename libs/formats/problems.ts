/**
 * How libs/formats reports a document it cannot accept. Every document reaching this library is
 * attacker-controlled (a signer chose every byte), so a failure says precisely which field is
 * wrong and why, and never echoes large input back.
 */
import type { z } from 'zod';
import { AttestryError } from '../core/index.js';

/** At most this many problems are listed in a message; `details` carries up to MAX_DETAILS. */
const MAX_LISTED = 3;
const MAX_DETAILS = 20;

export interface Problem {
  /** JSON-pointer-like path from the document root, e.g. `components[3].hashes[0].content`. */
  path: string;
  message: string;
}

export function malformed(
  what: string,
  reason: string,
  options: { cause?: unknown; problems?: Problem[] } = {},
): AttestryError {
  return new AttestryError('FORMAT_MALFORMED', `${what}: ${reason}`, {
    cause: options.cause,
    details:
      options.problems === undefined ? undefined : { problems: options.problems.slice(0, MAX_DETAILS) },
  });
}

export function unsupported(what: string, reason: string): AttestryError {
  return new AttestryError('FORMAT_UNSUPPORTED', `${what}: ${reason}`);
}

/** `['components', 3, 'hashes']` -> `components[3].hashes`; prefix is prepended. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Truncates attacker-controlled strings before they go into a message. */
export function quote(s: string, max = 80): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

/**
 * Parses `input` with `schema`; on failure throws FORMAT_MALFORMED naming the first problems
 * (path and reason). `what` names the document ("CycloneDX 1.6 BOM"), `prefix` the path of
 * `input` inside it ("predicate").
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => ({ path: formatPath(i.path, prefix), message: i.message }));
  throw malformed(what, describeProblems(problems), { cause: r.error, problems });
}

export function describeProblems(problems: readonly Problem[]): string {
  const listed = problems.slice(0, MAX_LISTED).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > MAX_LISTED ? ` (and ${problems.length - MAX_LISTED} more)` : '';
  return listed.join('; ') + more;
}

/**
 * Documents nest at most this deep (objects and arrays). Real statements and SBOMs stay far
 * below; the bound keeps recursive schema checks (CycloneDX components inside components) off
 * the end of the stack when a signer sends a pathological document.
 */
export const MAX_JSON_DEPTH = 128;

/** Throws FORMAT_MALFORMED when `value` nests deeper than MAX_JSON_DEPTH. Iterative, linear. */
export function assertJsonDepth(value: unknown, what: string, max = MAX_JSON_DEPTH): void {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (v === null || typeof v !== 'object') continue;
    if (d > max) throw malformed(what, `document nests deeper than ${max} levels`);
    if (Array.isArray(v)) for (const x of v) stack.push({ v: x, d: d + 1 });
    else for (const x of Object.values(v)) stack.push({ v: x, d: d + 1 });
  }
}
