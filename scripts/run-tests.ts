/**
 * `npm test`: unit tests, then integration tests against a real Kafka broker and a real
 * PostgreSQL server that this script brings up on its own ports, data folder and database
 * (so it passes whether or not a stack from `npm start` runs), and stops only what it started.
 *
 *   npm test                 everything
 *   npm test -- --unit       unit tests only (no stack)
 *   npm test -- FILE...      only these files (the stack is started if any is not a unit test)
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'fixtures' || name === 'node_modules') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: root });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const explicit = args.filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
  const all = explicit.length > 0 ? explicit : findTests(path.join(root, 'test'));
  const unit = all.filter((f) => f.includes(`${path.sep}unit${path.sep}`));
  const rest = unitOnly ? [] : all.filter((f) => !unit.includes(f));

  const env: NodeJS.ProcessEnv = { ...process.env };
  let stop: (() => Promise<void>) | undefined;
  if (rest.length > 0) {
    const { startTestStack } = await import('./test-stack.js');
    const stack = await startTestStack(root);
    Object.assign(env, stack.env);
    stop = stack.stop;
  }
  let code = 0;
  try {
    const files = [...unit, ...rest].map((f) => path.relative(root, f));
    code = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
      env,
    );
  } finally {
    if (stop) await stop();
  }
  process.exit(code);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
