/**
 * `attestry`: one binary for running the stack and for users' commands.
 * Each command lives in its own module; this file only dispatches.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUp, runDown, runStatus } from './commands/stack-commands.js';
import { runKeygen, runTrustedRoot } from './commands/key-commands.js';
import { runVerifyBundle } from './commands/verify-commands.js';
import { runAttest, runSign, runSubmit } from './commands/ingest-commands.js';
import { runBlastRadius, runDependents, runWhoSigned } from './commands/query-commands.js';
import { runDemoCommand } from './commands/demo-command.js';
import { runReplay } from './commands/replay-command.js';

/** The repository (or installed package) root: the nearest folder above this file with a package.json. */
function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

const root = findRoot(path.dirname(fileURLToPath(import.meta.url)));

const USAGE = `attestry <command> [options]

Stack:
  up [--detach] [--demo]
                       bring up Kafka, PostgreSQL, migrations, topics and every service
                       (foreground with prefixed logs; Ctrl-C stops it all; --detach returns
                       once every service is ready and starts only what is missing;
                       --demo trusts the demo CA and submits the demo supply chain)
  down                 stop what \`attestry up\` started
  status               say what runs
  replay [--from INDEX]
                       rebuild the index from the log into a fresh schema while the api
                       answers from the old one, then switch (--from: re-project entries
                       >= INDEX in place); needs the admin DATABASE_URL

Signing (talks to the gateway: --gateway URL or ATTESTRY_GATEWAY_URL, default http://127.0.0.1:8080):
  sign --key K FILE    sign a file, log it, write a Sigstore bundle
  attest --key K ...   sign an in-toto statement (DSSE), log it, write a bundle
  submit FILE_OR_DIR.. submit existing bundles and envelopes, with a summary
  demo [--scale N]     generate and submit a deterministic demo supply chain (needs a stack
                       that trusts the demo CA: \`attestry up --demo\`)

Questions (talk to the GraphQL API: --api URL or ATTESTRY_API_URL, default http://127.0.0.1:4000):
  who-signed DIGEST    every signature over an artifact
  blast-radius ...     what a key or identity signed in a window, and everything depending on it
  dependents PURL      every artifact containing a package version, transitively

Keys and trust (no running stack needed):
  keygen --out PREFIX  make a signing key pair (ecdsa-p256 or ed25519)
  trusted-root         print a Sigstore TrustedRoot naming this log's key
  verify-bundle ...    verify a Sigstore bundle offline (the sigstore-conformance contract)

Run \`attestry <command> --help\` for a command's options.
Environment: ATTESTRY_HOME, KAFKA_BROKERS, DATABASE_URL, GATEWAY_PORT, API_PORT, ... (README.md).`;

type Command = (root: string, argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  up: runUp,
  down: runDown,
  status: runStatus,
  keygen: runKeygen,
  'trusted-root': runTrustedRoot,
  'verify-bundle': runVerifyBundle,
  sign: runSign,
  attest: runAttest,
  submit: runSubmit,
  'who-signed': runWhoSigned,
  'blast-radius': runBlastRadius,
  dependents: runDependents,
  demo: runDemoCommand,
  replay: runReplay,
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`attestry: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  return command(root, rest);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`attestry: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
