#!/usr/bin/env node
// The `attestry` command. Builds the TypeScript (tsc) first when dist/ is missing or older than
// a source file, so a fresh clone works after `npm ci`, then runs dist/cli/main.js.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.tsbuildinfo');
const entry = path.join(root, 'dist', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (name.name === 'node_modules' || name.name === '__generated__' || name.name === 'fixtures') continue;
    const p = path.join(dir, name.name);
    if (name.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (name.name.endsWith('.ts') || name.name.endsWith('.graphql') || name.name.endsWith('.json'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!existsSync(entry) || !existsSync(stamp)) return true;
  if (!existsSync(path.join(root, 'tsconfig.json'))) return false; // installed without sources
  const built = statSync(stamp).mtimeMs;
  return ['libs', 'services', 'cli', 'scripts'].some(
    (d) => existsSync(path.join(root, d)) && newestSource(path.join(root, d)) > built,
  );
}

if (needsBuild()) {
  process.stderr.write('attestry: building (tsc)...\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) {
    process.stderr.write('attestry: the build failed; run `npm ci` first if node_modules is missing\n');
    process.exit(r.status ?? 1);
  }
}
await import(pathToFileURL(entry).href);
