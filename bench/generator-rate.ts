/**
 * Generator throughput (issue 8): demo items generated and signed per second, for the default mix
 * (80 % hashedrekord, 15 % SLSA, 5 % SBOM), on one thread and with the worker-thread pool the
 * demo uses. Items are consumed and dropped (no submission), so this is the generator alone.
 *
 *   npx tsx bench/generator-rate.ts [--n 20000] [--scale 1000000] [--start 0] [--workers N]
 *
 * --start picks the slice of the stream (a model of --scale items); a slice later in the stream
 * reuses certificates already issued less often than its first 10,000 items do.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { generateItems, streamItems, type DemoItem } from '../libs/generator/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    scale: { type: 'string', default: '1000000' },
    start: { type: 'string', default: '0' },
    workers: { type: 'string' },
  },
});
const n = Number(values.n);
const scale = Number(values.scale);
const start = Number(values.start);
const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);

function report(label: string, count: number, bytes: number, seconds: number): void {
  process.stdout.write(
    `${label.padEnd(28)} ${String(count).padStart(7)} items in ${seconds.toFixed(1).padStart(5)} s: ${(
      count / seconds
    )
      .toFixed(0)
      .padStart(6)} items/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s of submissions\n`,
  );
}

process.stdout.write(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);

const opts = { seed: 'bench', scale, start, end: start + n };
const kinds = new Map<string, number>();
const tally = (i: DemoItem) => kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);

let t = process.hrtime.bigint();
let count = 0;
let bytes = 0;
for (const item of generateItems({ ...opts, end: start + Math.min(n, 5000) })) {
  count++;
  bytes += item.json.length;
}
report('one thread', count, bytes, Number(process.hrtime.bigint() - t) / 1e9);

t = process.hrtime.bigint();
count = 0;
bytes = 0;
for await (const item of streamItems({ ...opts, workers })) {
  count++;
  bytes += item.json.length;
  tally(item);
}
report(`${workers} worker threads`, count, bytes, Number(process.hrtime.bigint() - t) / 1e9);
process.stdout.write(
  `mix: ${[...kinds].map(([k, v]) => `${k} ${((100 * v) / count).toFixed(1)} %`).join(', ')}\n`,
);
process.stdout.write(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
