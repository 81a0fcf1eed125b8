/**
 * Runs Attestry's real service processes (from dist/, built by the test runner) against the test
 * stack, so tests can SIGKILL, SIGSTOP and restart them like an operator's bad day would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
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
  /** What the process has written so far (stdout and stderr, pino lines). */
  log(): string;
}

// Below Linux's ephemeral range (32768+), so no outgoing connection holds it; random per test
// process, and a service that still finds its port taken is restarted on another (waitReady).
let nextPort = 20000 + Math.floor(Math.random() * 11000);

export function freePort(): number {
  nextPort += 1;
  return nextPort;
}

export function startServiceProcess(
  name: ServiceName,
  env: Record<string, string>,
  opts: { port?: number; logName?: string } = {},
): RunningService {
  const logDir = path.join(repoRoot, '.attestry-test', 'logs');
  mkdirSync(logDir, { recursive: true });
  let port = opts.port ?? freePort();
  let child!: ChildProcess;
  let exited!: Promise<number | null>;
  let alive = false;
  let logFile = '';
  const spawnOn = (p: number) => {
    logFile = path.join(logDir, `${opts.logName ?? name}-${p}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'services', name, 'main.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOST: '127.0.0.1',
        PORT: String(p),
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    alive = true;
    const c = child;
    exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
    void exited.then(() => {
      if (child === c) alive = false;
    });
  };
  spawnOn(port);
  const service: RunningService = {
    name,
    get port() {
      return port;
    },
    get child() {
      return child;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get exited() {
      return exited;
    },
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let restarts = 0;
      while (Date.now() < deadline) {
        if (!alive) {
          // Another process took the port between our pick and its bind: try another one.
          const taken = (() => {
            try {
              return readFileSync(logFile, 'utf8').includes('EADDRINUSE');
            } catch {
              return false;
            }
          })();
          if (taken && opts.port === undefined && restarts < 5) {
            restarts++;
            port = freePort();
            spawnOn(port);
            continue;
          }
          throw new Error(`${name} exited during start-up; see .attestry-test/logs`);
        }
        try {
          const r = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(1000) });
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
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
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
  return service;
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
