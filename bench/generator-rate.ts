/**
 * Generator throughput (issue 8): demo items generated and signed per second, for the default mix
 * (80 % hashedrekord, 15 % SLSA, 5 % SBOM), on one thread and with the worker-thread pool the
 * demo uses. Items are consumed and dropped (no submission), so this is the generator alone.
 *
 *   npx tsx bench/generator-rate.ts [--n 20000] [--scale 1000000] [--start 0] [--workers N] [--json]
 *
 * --start picks the slice of the stream (a model of --scale items); a slice later in the stream
 * reuses certificates already issued less often than its first 10,000 items do.
 * --json: one JSON object on stdout (oneThread and workers: items, seconds, itemsPerSec, mbPerSec);
 * the human lines go to stderr.
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
    json: { type: 'boolean', default: false },
  },
});
const say = (line: string) => (values.json ? process.stderr : process.stdout).write(line);
const n = Number(values.n);
const scale = Number(values.scale);
const start = Number(values.start);
const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);

const results: Record<string, { items: number; seconds: number; itemsPerSec: number; mbPerSec: number }> = {};
function report(label: string, count: number, bytes: number, seconds: number): void {
  results[label === 'one thread' ? 'oneThread' : 'workers'] = {
    items: count,
    seconds,
    itemsPerSec: count / seconds,
    mbPerSec: bytes / seconds / 1e6,
  };
  say(
    `${label.padEnd(28)} ${String(count).padStart(7)} items in ${seconds.toFixed(1).padStart(5)} s: ${(
      count / seconds
    )
      .toFixed(0)
      .padStart(6)} items/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s of submissions\n`,
  );
}

say(
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
say(`mix: ${[...kinds].map(([k, v]) => `${k} ${((100 * v) / count).toFixed(1)} %`).join(', ')}\n`);
say(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
if (values.json)
  process.stdout.write(
    `${JSON.stringify({ ...results, workerThreads: workers, mix: Object.fromEntries(kinds), scale, start })}\n`,
  );
