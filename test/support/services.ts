/**
 * Runs Attestry's real service processes (from dist/, built by the test runner) against the test
 * stack, so tests can SIGKILL, SIGSTOP and restart them like an operator's bad day would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from '../../libs/db/index.js';
import { repoRoot } from './stack.js';

export interface RunningService {
  name: ServiceName;
  port: number;
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  waitReady(timeoutMs?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

let nextPort = 30000 + Math.floor(Math.random() * 5000);

export function freePort(): number {
  nextPort += 1;
  return nextPort;
}

export function startServiceProcess(
  name: ServiceName,
  env: Record<string, string>,
  opts: { port?: number; logName?: string } = {},
): RunningService {
  const port = opts.port ?? freePort();
  const logDir = path.join(repoRoot, '.attestry-test', 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${opts.logName ?? name}-${port}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'services', name, 'main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    child,
    url,
    exited,
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!alive) throw new Error(`${name} exited during start-up; see .attestry-test/logs`);
        try {
          const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
          if (r.status === 200) return;
        } catch {
          /* not listening yet */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${name} not ready after ${timeoutMs} ms`);
    },
    signal(sig) {
      if (alive) child.kill(sig);
    },
    async stop() {
      if (!alive) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
