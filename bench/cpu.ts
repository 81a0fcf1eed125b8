/**
 * CPU attribution for benchmarks (docs/SCALING.md): the CPU seconds (utime + stime of
 * /proc/<pid>/stat) each process kind used during a window — the service processes, the Kafka
 * broker, PostgreSQL, the load generator — and the machine's busy time (/proc/stat), so that a
 * ceiling is attributed, not guessed. Linux only; a process that cannot be read counts 0.
 *
 * PostgreSQL is counted twice: `postgresDb`, the live backends connected to the benchmark's
 * database (a backend that exits during the window is lost to this figure), and `postgresCluster`,
 * the whole shared cluster (postmaster, its background processes and every backend, exited ones
 * through the postmaster's cutime/cstime), which includes other users of the cluster.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** USER_HZ, the unit of /proc's times: 100 on every mainstream Linux build. */
const TICK_HZ = 100;

interface Proc {
  /** utime + stime, in ticks. */
  ticks: number;
  /** cutime + cstime: children that exited and were waited for. */
  childTicks: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces: the numeric fields follow the last ')'.
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    const num = (field: number) => Number(f[field - 3]);
    return {
      ticks: num(14) + num(15),
      childTicks: num(16) + num(17),
      ppid: num(4),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(),
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

function snapshot(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.set(Number(name), p);
  }
  return all;
}

/** Busy ticks of all cores (the `cpu` line of /proc/stat; idle and iowait are not busy), and the
 * share spent in interrupts (irq + softirq: loopback networking lands here, in no process). */
function machineTicks(): { busy: number; irq: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal (guest times are already in user).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), irq: (v[5] ?? 0) + (v[6] ?? 0) };
}

/** PostgreSQL's whole cluster: the postmaster (a `postgres` whose parent is not one) with its reaped
 * children, plus its live children. */
function postgresClusterTicks(all: Map<number, Proc>): number {
  let sum = 0;
  for (const p of all.values()) {
    if (p.comm !== 'postgres') continue;
    const isPostmaster = all.get(p.ppid)?.comm !== 'postgres';
    sum += p.ticks + (isPostmaster ? p.childTicks : 0);
  }
  return sum;
}

/** A backend's title is `postgres: <cluster>: <user> <database> <host> <state>`. */
const backendDatabase = (p: Proc) => (p.comm === 'postgres' ? p.cmdline.split(' ')[3] : undefined);
const backendRole = (p: Proc) => p.cmdline.split(' ')[2] ?? '?';

export interface CpuReport {
  wallSeconds: number;
  cores: number;
  /** Every process on the machine (cores × wall is the capacity). */
  machineBusySeconds: number;
  /** CPU seconds by process label (`gateway`, `gateway#2`, `sequencer#standby`, ...). */
  byProcess: Record<string, number>;
  /** CPU seconds by kind: the labels before '#', plus loadGenerator, kafka, postgresDb, postgresCluster. */
  byKind: Record<string, number>;
  /** postgresDb split by the backends' role (each service connects as its own role). */
  postgresByRole: Record<string, number>;
  /** Machine busy time not in any kind above (postgresDb is inside postgresCluster): other users, the kernel. */
  otherSeconds: number;
  /** Of the machine's busy time: interrupts (irq + softirq), which no process is charged for. */
  interruptSeconds: number;
  /** The processes outside the kinds above that used the most CPU ("comm pid": seconds, top 5). */
  topOther: Record<string, number>;
}

/**
 * Starts measuring now. `processes`: label → pid of the processes to attribute (read at start and at
 * stop); `kafkaHome`: the bench stack's data folder (its broker's java command line names it);
 * `database`: the benchmark's database name, for `postgresDb`.
 */
export function cpuMeter(opts: {
  processes: () => Record<string, number | undefined>;
  kafkaHome?: string;
  database?: string;
}): { stop(): CpuReport } {
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const m0 = machineTicks();
  const s0 = snapshot();
  const pids0 = opts.processes();
  return {
    stop(): CpuReport {
      const s1 = snapshot();
      const m1 = machineTicks();
      const self = process.cpuUsage(self0);
      const wall = (performance.now() - t0) / 1000;
      const sec = (ticks: number) => Math.round((ticks / TICK_HZ) * 100) / 100;
      const delta = (pid: number) =>
        (s1.get(pid)?.ticks ?? s0.get(pid)?.ticks ?? 0) - (s0.get(pid)?.ticks ?? 0);
      const byProcess: Record<string, number> = {};
      const byKind: Record<string, number> = {};
      const byRole: Record<string, number> = {};
      const pids1 = opts.processes();
      for (const label of new Set([...Object.keys(pids0), ...Object.keys(pids1)])) {
        const pid = pids1[label] ?? pids0[label];
        if (pid === undefined) continue;
        const kind = label.split('#')[0] ?? label;
        byProcess[label] = sec(delta(pid));
        byKind[kind] = sec((byKind[kind] ?? 0) * TICK_HZ + delta(pid));
      }
      byKind['loadGenerator'] = Math.round((self.user + self.system) / 1e4) / 100;
      if (opts.kafkaHome) {
        const dir = path.join(opts.kafkaHome, 'kafka');
        let k = 0;
        for (const [pid, p] of s1)
          if (p.cmdline.includes('kafka.Kafka') && p.cmdline.includes(`${dir}/`)) k += delta(pid);
        byKind['kafka'] = sec(k);
      }
      if (opts.database) {
        let d = 0;
        for (const [pid, p] of s1)
          if (backendDatabase(p) === opts.database) {
            d += delta(pid);
            byRole[backendRole(p)] = (byRole[backendRole(p)] ?? 0) + delta(pid);
          }
        byKind['postgresDb'] = sec(d);
      }
      byKind['postgresCluster'] = sec(postgresClusterTicks(s1) - postgresClusterTicks(s0));
      const busy = sec(m1.busy - m0.busy);
      // Who else used the machine: every process not attributed above, by its CPU in the window.
      const known = new Set(Object.values(pids1).concat(Object.values(pids0)));
      const others = [...s1]
        .filter(
          ([pid, p]) =>
            !known.has(pid) &&
            pid !== process.pid &&
            p.comm !== 'postgres' &&
            !p.cmdline.includes('kafka.Kafka'),
        )
        .map(([pid, p]) => [`${p.comm} ${pid}`, sec(delta(pid))] as const)
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5);
      const attributed = Object.entries(byKind)
        .filter(([k]) => k !== 'postgresDb')
        .reduce((a, [, v]) => a + v, 0);
      return {
        wallSeconds: Math.round(wall * 100) / 100,
        cores: os.availableParallelism(),
        machineBusySeconds: busy,
        byProcess,
        byKind,
        postgresByRole: Object.fromEntries(Object.entries(byRole).map(([k, v]) => [k, sec(v)])),
        otherSeconds: Math.round((busy - attributed) * 100) / 100,
        interruptSeconds: sec(m1.irq - m0.irq),
        topOther: Object.fromEntries(others),
      };
    },
  };
}

/** One human line: `cpu s over 31.2 s wall (2 cores): gateway 12.1, sequencer 9.8, ... machine 58.0`. */
export function cpuLine(r: CpuReport): string {
  const kinds = Object.entries(r.byKind)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  return (
    `CPU s over ${r.wallSeconds.toFixed(1)} s wall (${r.cores} cores, capacity ${(r.cores * r.wallSeconds).toFixed(0)}): ` +
    `${kinds} (PostgreSQL by role: ${Object.entries(r.postgresByRole)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}); other ${r.otherSeconds.toFixed(1)} (interrupts ${r.interruptSeconds.toFixed(1)}, ` +
    `top: ${Object.entries(r.topOther)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}); machine busy ${r.machineBusySeconds.toFixed(1)}\n`
  );
}
