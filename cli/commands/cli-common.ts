/** What every user-facing command shares: one-line errors and a non-zero exit. */

/** An error the user can act on: printed as one line, exit status 1. */
export class CliError extends Error {}

export async function guarded(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`attestry: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** A progress or result line for people (stderr; stdout stays for data). */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
