/**
 * Brings Attestry's stack up and down: Kafka and PostgreSQL (unless pointed at existing
 * servers with KAFKA_BROKERS / DATABASE_URL), migrations, service roles, topics, then every
 * service as its own OS process (`node dist/services/<name>/main.js`).
 *
 * The shell around the infra scripts (infra/kafka/kafka.sh, infra/postgres/ensure.sh) lives
 * here so that `attestry up` and the test runner share one implementation.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { crypto as c, toHex } from '../libs/core/index.js';
import {
  migrate,
  ensureServiceRoles,
  serviceUrl,
  SERVICE_NAMES,
  type ServiceName,
} from '../libs/db/index.js';
import { Bus, topicSpecs } from '../libs/bus/index.js';

export const SERVICES = [
  'sequencer',
  'indexer',
  'monitor',
  'gateway',
  'api',
] as const satisfies readonly ServiceName[];

export interface StackSettings {
  /** Repository root (holds infra/, schema/, dist/). */
  root: string;
  /** Data folder: Kafka state, secrets, logs, pid files, the log's keys. */
  home: string;
  /** Database name on the local cluster (ignored when databaseUrl is given). */
  dbName: string;
  /** Existing Kafka cluster; when absent the local broker is started. */
  kafkaBrokers?: string[];
  kafkaPort: number;
  kafkaControllerPort: number;
  /** Admin URL of an existing PostgreSQL database; when absent the local cluster is used. */
  databaseUrl?: string;
  host: string;
  ports: Record<ServiceName, number>;
  logLevel: string;
  /** Prefix of topic names and consumer groups. */
  topicPrefix: string;
  /** Drop and recreate the local database first (the test runner's clean start). */
  recreateDatabase?: boolean;
  /** Extra environment for every service (e.g. configuration the operator set). */
  serviceEnv?: Record<string, string>;
}

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 8080,
  api: 4000,
  sequencer: 8081,
  indexer: 8082,
  monitor: 8083,
};

export interface Infra {
  brokers: string[];
  adminUrl: string;
  serviceUrls: Record<ServiceName, string>;
  startedKafka: boolean;
}

type Say = (line: string) => void;

function runScript(
  settings: StackSettings,
  script: string,
  args: string[],
  env: Record<string, string>,
): string {
  const r = spawnSync('bash', [path.join(settings.root, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

function kafkaEnv(s: StackSettings): Record<string, string> {
  return {
    KAFKA_HOME_DIR: path.join(s.home, 'kafka'),
    KAFKA_PORT: String(s.kafkaPort),
    KAFKA_CONTROLLER_PORT: String(s.kafkaControllerPort),
  };
}

export function kafkaRunning(s: StackSettings): boolean {
  if (s.kafkaBrokers) return false;
  const r = spawnSync('bash', [path.join(s.root, 'infra/kafka/kafka.sh'), 'status'], {
    env: { ...process.env, ...kafkaEnv(s) },
    stdio: 'ignore',
  });
  return r.status === 0;
}

function secret(s: StackSettings, name: string): string {
  const dir = path.join(s.home, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = toHex(c.randomBytes(24));
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/**
 * The admin URL of the stack's database without touching anything else: DATABASE_URL as given,
 * else the local cluster's `<db>_admin` (infra/postgres/ensure.sh, idempotent; it starts the
 * cluster when it is down). For admin commands such as `attestry replay`.
 */
export function adminDatabaseUrl(s: StackSettings): string {
  const pgEnv: Record<string, string> = { ATTESTRY_HOME: s.home, ATTESTRY_DB_NAME: s.dbName };
  if (s.databaseUrl) pgEnv['DATABASE_URL'] = s.databaseUrl;
  return runScript(s, 'infra/postgres/ensure.sh', [], pgEnv).trim();
}

/** Kafka, PostgreSQL, migrations, roles, topics: everything the services need. Idempotent. */
export async function ensureInfra(s: StackSettings, say: Say): Promise<Infra> {
  mkdirSync(s.home, { recursive: true });
  let brokers = s.kafkaBrokers;
  let startedKafka = false;
  if (!brokers) {
    startedKafka = !kafkaRunning(s);
    runScript(s, 'infra/kafka/kafka.sh', ['start'], kafkaEnv(s));
    brokers = [`127.0.0.1:${s.kafkaPort}`];
  } else {
    say(`kafka: using ${brokers.join(',')}`);
  }
  const pgEnv: Record<string, string> = { ATTESTRY_HOME: s.home, ATTESTRY_DB_NAME: s.dbName };
  if (s.databaseUrl) pgEnv['DATABASE_URL'] = s.databaseUrl;
  if (s.recreateDatabase) pgEnv['ATTESTRY_DB_RECREATE'] = '1';
  const adminUrl = runScript(s, 'infra/postgres/ensure.sh', [], pgEnv).trim();
  const applied = await migrate(adminUrl, path.join(s.root, 'schema/sql'));
  if (applied.length > 0) say(`postgres: applied ${applied.join(', ')}`);
  const passwords = Object.fromEntries(
    SERVICE_NAMES.map((n) => [n, secret(s, `postgres-${n}.password`)]),
  ) as Record<ServiceName, string>;
  await ensureServiceRoles(adminUrl, passwords);
  const bus = new Bus({ brokers, clientId: 'attestry-up' });
  try {
    const created = await bus.ensureTopics(topicSpecs(s.topicPrefix));
    if (created.length > 0) say(`kafka: created topics ${created.join(', ')}`);
  } finally {
    await bus.close();
  }
  const serviceUrls = Object.fromEntries(
    SERVICE_NAMES.map((n) => [n, serviceUrl(adminUrl, n, passwords[n])]),
  ) as Record<ServiceName, string>;
  return { brokers, adminUrl, serviceUrls, startedKafka };
}

function pidFile(s: StackSettings, name: string): string {
  return path.join(s.home, 'run', `${name}.pid`);
}

/** The pid of a running service we started, checked against its command line (pids recycle). */
export function runningPid(s: StackSettings, name: ServiceName): number | undefined {
  const file = pidFile(s, name);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(`services/${name}/`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function serviceEnv(s: StackSettings, infra: Infra, name: ServiceName): Record<string, string> {
  return {
    ...(s.serviceEnv ?? {}),
    HOST: s.host,
    PORT: String(s.ports[name]),
    LOG_LEVEL: s.logLevel,
    TOPIC_PREFIX: s.topicPrefix,
    KAFKA_BROKERS: infra.brokers.join(','),
    DATABASE_URL: infra.serviceUrls[name],
    ATTESTRY_HOME: s.home,
    GATEWAY_URL: `http://${s.host}:${s.ports.gateway}`,
  };
}

export function serviceEntry(s: StackSettings, name: ServiceName): string {
  return path.join(s.root, 'dist', 'services', name, 'main.js');
}

export interface Started {
  name: ServiceName;
  child: ChildProcess;
}

/** Starts one service; `logFile` set = detached with output to that file, else piped to `onLine`. */
export function startService(
  s: StackSettings,
  infra: Infra,
  name: ServiceName,
  opts: { logFile?: string; onLine?: (line: string) => void },
): Started {
  const env = { ...process.env, ...serviceEnv(s, infra, name) };
  mkdirSync(path.join(s.home, 'run'), { recursive: true });
  let child: ChildProcess;
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const fd = openSync(opts.logFile, 'a');
    child = spawn(process.execPath, [serviceEntry(s, name)], {
      env,
      cwd: s.root,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.unref();
  } else {
    // Its own process group: a Ctrl-C at the terminal reaches `attestry up` alone, which then
    // stops each service with one SIGTERM (a second signal makes a service exit at once).
    child = spawn(process.execPath, [serviceEntry(s, name)], {
      env,
      cwd: s.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pipeLines = (stream: NodeJS.ReadableStream | null) => {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          opts.onLine?.(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    };
    pipeLines(child.stdout);
    pipeLines(child.stderr);
  }
  writeFileSync(pidFile(s, name), String(child.pid));
  return { name, child };
}

/** The message of the last error or fatal line of a service's log (pino JSON), if any. */
export function lastErrorIn(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.trimEnd().split('\n').reverse()) {
    try {
      const o = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (typeof o.level === 'number' && o.level >= 50 && typeof o.msg === 'string') return o.msg;
    } catch {
      /* not a log line */
    }
  }
  return undefined;
}

/**
 * Waits until GET /readyz answers 200, failing early if the process died (with the reason from
 * its log file when it has one, so a detached start says why).
 */
export async function waitReady(
  s: StackSettings,
  name: ServiceName,
  pid: number,
  timeoutMs = 120_000,
  logFile?: string,
): Promise<void> {
  const url = `http://${s.host}:${s.ports[name]}/readyz`;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive(pid)) {
      const why = logFile === undefined ? undefined : lastErrorIn(logFile);
      throw new Error(`${name} exited during start-up${why ? `: ${why}` : ''} (see ${logFile ?? 'its log'})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = await res.text();
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(250);
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000} s: ${last}`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM, then a bounded wait, then SIGKILL. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive(pid)) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function stopServices(s: StackSettings, say: Say): Promise<void> {
  // Reverse start order: the api and gateway stop taking requests before the writers stop.
  for (const name of [...SERVICES].reverse()) {
    const pid = runningPid(s, name);
    if (pid !== undefined) {
      say(`stopping ${name} (pid ${pid})`);
      await stopPid(pid);
    }
    rmSync(pidFile(s, name), { force: true });
  }
}

export function stopKafka(s: StackSettings): void {
  if (s.kafkaBrokers) return;
  runScript(s, 'infra/kafka/kafka.sh', ['stop'], kafkaEnv(s));
}

/** Stops the local PostgreSQL cluster only if this project started it. */
export function stopPostgresIfStarted(s: StackSettings, say: Say): void {
  const marker = path.join(s.home, 'run', 'postgres.started');
  if (!existsSync(marker)) return;
  const version = readFileSync(marker, 'utf8').trim();
  say(`stopping the PostgreSQL cluster ${version}/main we started`);
  spawnSync('pg_ctlcluster', [version, 'main', 'stop'], { stdio: 'inherit' });
  rmSync(marker, { force: true });
}

/** Settings from the environment (ATTESTRY_HOME, KAFKA_BROKERS, DATABASE_URL, ports). */
export function settingsFromEnv(root: string, env: NodeJS.ProcessEnv): StackSettings {
  const num = (name: string, def: number) => {
    const v = env[name];
    if (v === undefined || v === '') return def;
    const n = Number.parseInt(v, 10);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number`);
    return n;
  };
  const brokers = env['KAFKA_BROKERS']
    ?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return {
    root,
    home: path.resolve(env['ATTESTRY_HOME'] ?? path.join(root, '.attestry')),
    dbName: env['ATTESTRY_DB_NAME'] ?? 'attestry',
    ...(brokers && brokers.length > 0 ? { kafkaBrokers: brokers } : {}),
    kafkaPort: num('KAFKA_PORT', 9092),
    kafkaControllerPort: num('KAFKA_CONTROLLER_PORT', 9093),
    ...(env['DATABASE_URL'] ? { databaseUrl: env['DATABASE_URL'] } : {}),
    host: env['ATTESTRY_HOST'] ?? '127.0.0.1',
    ports: {
      gateway: num('GATEWAY_PORT', DEFAULT_PORTS.gateway),
      api: num('API_PORT', DEFAULT_PORTS.api),
      sequencer: num('SEQUENCER_PORT', DEFAULT_PORTS.sequencer),
      indexer: num('INDEXER_PORT', DEFAULT_PORTS.indexer),
      monitor: num('MONITOR_PORT', DEFAULT_PORTS.monitor),
    },
    logLevel: env['LOG_LEVEL'] ?? 'info',
    topicPrefix: env['TOPIC_PREFIX'] ?? 'attestry.',
  };
}
