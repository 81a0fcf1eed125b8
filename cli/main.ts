/**
 * `attestry`: one binary for running the stack and for users' commands.
 * Each command lives in its own module; this file only dispatches.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUp, runDown, runStatus } from './commands/stack-commands.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `attestry <command> [options]

Stack:
  up [--detach]        bring up Kafka, PostgreSQL, migrations, topics and every service
                       (foreground with prefixed logs; Ctrl-C stops it all; --detach returns
                       once every service is ready and starts only what is missing)
  down                 stop what \`attestry up\` started
  status               say what runs

Run \`attestry <command> --help\` for a command's options.
Environment: ATTESTRY_HOME, KAFKA_BROKERS, DATABASE_URL, GATEWAY_PORT, API_PORT, ... (README.md).`;

type Command = (root: string, argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  up: runUp,
  down: runDown,
  status: runStatus,
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
