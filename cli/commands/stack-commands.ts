/** `attestry up | down | status`. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  SERVICES,
  alive,
  ensureInfra,
  kafkaRunning,
  runningPid,
  settingsFromEnv,
  startService,
  stopKafka,
  stopPid,
  stopPostgresIfStarted,
  stopServices,
  waitReady,
  type Started,
  type StackSettings,
} from '../stack.js';
import type { ServiceName } from '../../libs/db/index.js';
import { describeOutcome, runDemo, writeDemoTrustedRoot } from './demo-command.js';

const COLORS = [36, 35, 33, 32, 34];
const say = (line: string) => process.stderr.write(`attestry: ${line}\n`);

function printUrls(s: StackSettings): void {
  const h = s.host;
  process.stdout.write(
    [
      '',
      'Attestry is up:',
      `  gateway    http://${h}:${s.ports.gateway}   (POST /api/v1/entries, /tlog/checkpoint, /openapi.json)`,
      `  GraphQL    http://${h}:${s.ports.api}/graphql`,
      `  sequencer  http://${h}:${s.ports.sequencer}/metrics`,
      `  indexer    http://${h}:${s.ports.indexer}/metrics`,
      `  monitor    http://${h}:${s.ports.monitor}/metrics`,
      '',
    ].join('\n') + '\n',
  );
}

export async function runUp(root: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      detach: { type: 'boolean', short: 'd' },
      demo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'attestry up [--detach] [--demo]',
        '  Brings up Kafka and PostgreSQL (unless KAFKA_BROKERS / DATABASE_URL point elsewhere),',
        '  applies migrations, creates topics, then starts every service and waits until each is ready.',
        '  --demo  also trusts the demo CA (writes its TrustedRoot under ATTESTRY_HOME/demo and adds it',
        '          to TRUSTED_ROOT_FILES of the sequencer and the gateway), then submits the demo supply',
        '          chain (`attestry demo`, 2,000 items). The demo CA key is public: never in production.',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const s = settingsFromEnv(root, process.env);
  if (values.demo) trustDemoCa(s);
  const started0 = Date.now();
  const infra = await ensureInfra(s, say);
  const running = SERVICES.filter((n) => runningPid(s, n) !== undefined);

  if (values.detach) {
    const missing = SERVICES.filter((n) => !running.includes(n));
    if (running.length > 0) say(`already running: ${running.join(', ')}`);
    const logOf = (n: ServiceName) => path.join(s.home, 'logs', `${n}.log`);
    const started = missing.map((n) => startService(s, infra, n, { logFile: logOf(n) }));
    await Promise.all(
      started.map((st) => waitReady(s, st.name, st.child.pid ?? -1, undefined, logOf(st.name))),
    );
    // Those already running must be ready too.
    await Promise.all(running.map((n) => waitReady(s, n, runningPid(s, n) ?? -1)));
    say(`ready in ${((Date.now() - started0) / 1000).toFixed(1)} s (logs in ${path.join(s.home, 'logs')})`);
    printUrls(s);
    if (values.demo) return submitDemo(s);
    return 0;
  }

  if (running.length > 0) {
    say(
      `already running in the background: ${running.join(', ')}; use \`attestry down\` first, or \`attestry up --detach\``,
    );
    return 1;
  }
  const width = Math.max(...SERVICES.map((n) => n.length));
  const tty = process.stdout.isTTY;
  const started: Started[] = SERVICES.map((n, i) => {
    const prefix = n.padEnd(width);
    const color = COLORS[i % COLORS.length];
    return startService(s, infra, n, {
      onLine: (line) =>
        process.stdout.write(`${tty ? `\x1b[${color}m${prefix}\x1b[0m` : prefix} | ${line}\n`),
    });
  });
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await Promise.all(started.map((st) => (st.child.pid ? stopPid(st.child.pid) : Promise.resolve())));
    await stopServices(s, say);
    if (infra.startedKafka) stopKafka(s);
    stopPostgresIfStarted(s, say);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const st of started) {
    st.child.on('exit', (code, signal) => {
      if (!stopping)
        say(`${st.name} exited (${signal ?? `code ${code}`}); the others keep running, Ctrl-C stops them`);
    });
  }
  try {
    await Promise.all(started.map((st) => waitReady(s, st.name, st.child.pid ?? -1)));
  } catch (e) {
    say(e instanceof Error ? e.message : String(e));
    await stopAll(1);
    return 1;
  }
  say(`ready in ${((Date.now() - started0) / 1000).toFixed(1)} s; Ctrl-C stops everything`);
  printUrls(s);
  if (values.demo)
    await submitDemo(s).catch((e: unknown) => say(`demo: ${e instanceof Error ? e.message : String(e)}`));
  await new Promise<never>(() => undefined);
  return 0;
}

/**
 * `up --demo`: the demo CA's TrustedRoot under ATTESTRY_HOME, added to the TRUSTED_ROOT_FILES the
 * services get (the sequencer and the gateway read it; the others ignore it), after any the
 * operator set. Services already running keep their trust: restart them (`attestry down`).
 */
function trustDemoCa(s: StackSettings): void {
  const file = writeDemoTrustedRoot(s.home);
  const existing = s.serviceEnv?.['TRUSTED_ROOT_FILES'] ?? process.env['TRUSTED_ROOT_FILES'] ?? '';
  const files = [...existing.split(',').map((f) => f.trim()), file].filter(
    (f, i, all) => f !== '' && all.indexOf(f) === i,
  );
  s.serviceEnv = { ...(s.serviceEnv ?? {}), TRUSTED_ROOT_FILES: files.join(',') };
  say(`demo: trusting the demo CA (${file}); never trust it in production`);
}

async function submitDemo(s: StackSettings): Promise<number> {
  const r = await runDemo({
    scale: 2000,
    seed: '1',
    via: 'gateway',
    gatewayUrl: `http://${s.host}:${s.ports.gateway}`,
    concurrency: 32,
    kafkaBrokers: s.kafkaBrokers ?? [`127.0.0.1:${s.kafkaPort}`],
    topicPrefix: s.topicPrefix,
    say,
  });
  process.stderr.write(`${describeOutcome(r, 'gateway')}\n`);
  return r.rejected > 0 ? 1 : 0;
}

export async function runDown(root: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'attestry down\n  Stops the services, the Kafka broker and the PostgreSQL cluster that `attestry up` started.\n',
    );
    return 0;
  }
  const s = settingsFromEnv(root, process.env);
  await stopServices(s, say);
  stopKafka(s);
  stopPostgresIfStarted(s, say);
  return 0;
}

export async function runStatus(root: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'attestry status\n  Says which parts of the stack run, and whether each service is ready.\n',
    );
    return 0;
  }
  const s = settingsFromEnv(root, process.env);
  const lines: string[] = [];
  lines.push(
    `kafka      ${s.kafkaBrokers ? `external (${s.kafkaBrokers.join(',')})` : kafkaRunning(s) ? `running on 127.0.0.1:${s.kafkaPort}` : 'not running'}`,
  );
  let allUp = true;
  for (const n of SERVICES) {
    const pid = runningPid(s, n);
    let state = 'not running';
    if (pid !== undefined && alive(pid)) {
      try {
        const res = await fetch(`http://${s.host}:${s.ports[n]}/readyz`, {
          signal: AbortSignal.timeout(2000),
        });
        state = `running (pid ${pid}), ${res.status === 200 ? 'ready' : 'not ready'} on port ${s.ports[n]}`;
        if (res.status !== 200) allUp = false;
      } catch {
        state = `running (pid ${pid}), not answering on port ${s.ports[n]}`;
        allUp = false;
      }
    } else allUp = false;
    lines.push(`${n.padEnd(10)} ${state}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return allUp ? 0 : 3;
}
