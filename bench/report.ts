/**
 * The pure parts of the benchmark suite (bench/run.ts): statistics over runs, noise detection,
 * sanity checks, the markdown section and its replacement in docs/BENCHMARKS.md, and the SVG chart
 * of an end-to-end run. No I/O here, so test/unit/bench covers all of it.
 */

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in percent (0 for one run). */
  spreadPct: number;
}

export function summarize(xs: number[]): Summary {
  const finite = xs.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return { n: xs.length, median: NaN, min: NaN, max: NaN, spreadPct: NaN };
  const med = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return {
    n: xs.length,
    median: med,
    min,
    max,
    spreadPct:
      finite.length < 2 || max === min ? 0 : med === 0 ? Infinity : (100 * (max - min)) / Math.abs(med),
  };
}

// ---- noise ------------------------------------------------------------------------------------------

/** A spread above this share of the median makes a figure untrustworthy. */
export const MAX_SPREAD_PCT = 25;

export interface LoadSample {
  /** 1-minute load average just before the step started. */
  before: number;
  /** Highest 1-minute load average sampled while the step ran. */
  maxDuring: number;
}

/**
 * Why a figure should not be trusted, empty when it can be. The machine was busy before the run
 * when the load average exceeded the core count; during the run, a benchmark that keeps several
 * processes of its own busy (services, Kafka, PostgreSQL, the load generator: `selfLoaded`) adds
 * up to the core count itself, so the bound is twice the cores; a single-threaded one keeps the
 * plain core count.
 */
export function noiseReasons(
  load: LoadSample | undefined,
  cores: number,
  spreadPct: number,
  selfLoaded: boolean,
): string[] {
  const out: string[] = [];
  if (load) {
    if (load.before > cores) out.push(`load ${load.before.toFixed(1)} before the run (${cores} cores)`);
    const bound = selfLoaded ? 2 * cores : cores;
    if (load.maxDuring > bound) out.push(`load reached ${load.maxDuring.toFixed(1)} during the run`);
  }
  if (Number.isFinite(spreadPct) && spreadPct > MAX_SPREAD_PCT)
    out.push(`spread ${spreadPct.toFixed(0)} % of the median`);
  else if (spreadPct === Infinity) out.push('spread over a zero median');
  return out;
}

// ---- figures ---------------------------------------------------------------------------------------

export type FigureKind = 'rate' | 'latency' | 'size' | 'duration';

export interface Limit {
  /** What the hardware allows, e.g. "Kafka raw produce". */
  label: string;
  value: number;
}

export interface Figure {
  id: string;
  group: string;
  label: string;
  unit: string;
  kind: FigureKind;
  runs: number[];
  summary: Summary;
  /** Target from the issues, as text ("≥ 5,000/s"). */
  target?: string;
  /** Hardware limits in the same unit: the figure is printed as a fraction of each. */
  limits?: Limit[];
  noise: string[];
  /** Index into the report's commands. */
  command: number;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  kafka: string;
  loadAtStart: number[];
}

export interface Report {
  mode: 'quick' | 'full';
  startedAt: string;
  seconds: number;
  machine: Machine;
  commands: string[];
  figures: Figure[];
  /** Parts that did not run, with the reason ("replay: not available"). */
  missing: string[];
  /** Pairs of figure ids whose medians must be ordered (p50 ≤ p99). */
  ordered: [string, string][];
  chart?: string;
  /** Figures of steps this run did not repeat (--only) come from this earlier results file. */
  mergedFrom?: { file: string; startedAt: string };
}

/**
 * A partial run (--only) merged into an earlier full one: the earlier figures in their order, each
 * replaced by this run's figure of the same id when there is one, then this run's new figures.
 * Commands are re-indexed into this run's list.
 */
export function mergeFigures(
  earlier: Pick<Report, 'figures' | 'commands'>,
  now: Pick<Report, 'figures' | 'commands'>,
): { figures: Figure[]; commands: string[] } {
  const commands = [...now.commands];
  const byId = new Map(now.figures.map((f) => [f.id, f]));
  const figures: Figure[] = [];
  for (const f of earlier.figures) {
    const fresh = byId.get(f.id);
    if (fresh) {
      figures.push(fresh);
      byId.delete(f.id);
      continue;
    }
    const c = earlier.commands[f.command] ?? '?';
    let i = commands.indexOf(c);
    if (i < 0) i = commands.push(c) - 1;
    // From JSON: NaN and Infinity came back as null; summarize again.
    const runs = f.runs.map((v) => (typeof v === 'number' ? v : NaN));
    const summary = summarize(runs);
    const noise = [
      ...f.noise.filter((x) => !x.startsWith('spread')),
      ...noiseReasons(undefined, 1, summary.spreadPct, false),
    ];
    figures.push({ ...f, runs, summary, noise, command: i });
  }
  return { figures: [...figures, ...byId.values()], commands };
}

/** Problems that make a run insane (not: targets missed). Empty when the numbers are plausible. */
export function sanityProblems(figures: Figure[], ordered: [string, string][]): string[] {
  const out: string[] = [];
  for (const f of figures) {
    if (f.runs.length === 0) out.push(`${f.id}: no runs`);
    for (const v of f.runs) {
      if (!Number.isFinite(v)) out.push(`${f.id}: ${v} is not finite`);
      else if (v <= 0) out.push(`${f.id}: ${v} is not positive`);
    }
  }
  const byId = new Map(figures.map((f) => [f.id, f]));
  for (const [lo, hi] of ordered) {
    const a = byId.get(lo);
    const b = byId.get(hi);
    if (!a || !b) continue;
    for (let i = 0; i < Math.min(a.runs.length, b.runs.length); i++)
      if ((a.runs[i] as number) > (b.runs[i] as number))
        out.push(`${lo} (${a.runs[i]}) above ${hi} (${b.runs[i]}) in run ${i + 1}`);
  }
  return out;
}

// ---- formatting -------------------------------------------------------------------------------------

export function fmt(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const s =
    a >= 1000
      ? Math.round(x).toLocaleString('en-US')
      : a >= 100
        ? x.toFixed(0)
        : a >= 10
          ? x.toFixed(1)
          : a >= 1
            ? x.toFixed(2)
            : x.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}

export function fractionText(f: Figure): string {
  if (!f.limits || f.limits.length === 0) return '';
  return f.limits
    .filter((l) => Number.isFinite(l.value) && l.value > 0)
    .map(
      (l) =>
        `${((100 * f.summary.median) / l.value).toFixed(l.value > f.summary.median * 100 ? 2 : 0)} % of ${l.label} (${fmt(l.value)})`,
    )
    .join('; ');
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** The generated section of docs/BENCHMARKS.md (without its markers). */
export function renderMarkdown(r: Report, opts: { chartPath?: string; jsonPath?: string } = {}): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `## The benchmark suite (issue 8): generated by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\``,
  );
  lines.push('');
  lines.push(
    `Run of ${r.startedAt} (${r.mode} mode, ${Math.round(r.seconds)} s)${opts.jsonPath ? `, raw results in [${opts.jsonPath}](../${opts.jsonPath})` : ''}. ` +
      `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.postgres}, Kafka ${m.kafka}; ` +
      `load average at start ${m.loadAtStart.map((x) => x.toFixed(2)).join(' ')}. Kafka, PostgreSQL, the services and the load ` +
      'generators share these cores.',
  );
  lines.push('');
  lines.push(
    `Each figure is the median of its runs with the spread (min–max). **noisy** marks a figure not to trust: ` +
      `load average above the core count before its run (or above twice the core count during a run that keeps ` +
      `several processes busy; above the core count for a single-threaded one), or a spread above ${MAX_SPREAD_PCT} % of the median. ` +
      'A rate is also given as a fraction of the physical limit it competes with on this machine.',
  );
  const groups = [...new Set(r.figures.map((f) => f.group))];
  for (const g of groups) {
    lines.push('');
    lines.push(`### ${g}`);
    lines.push('');
    lines.push('| figure | median | spread (min–max) | runs | of the hardware | target | command | noise |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const f of r.figures.filter((x) => x.group === g)) {
      const s = f.summary;
      const spread = s.n > 1 ? `${fmt(s.min)}–${fmt(s.max)} (${s.spreadPct.toFixed(0)} %)` : '—';
      lines.push(
        `| ${esc(f.label)} | ${fmt(s.median, f.unit)} | ${spread} | ${s.n} | ${esc(fractionText(f)) || '—'} | ${esc(f.target ?? '—')} | [${f.command + 1}](#bench-commands) | ${f.noise.length ? `**noisy**: ${esc(f.noise.join('; '))}` : 'ok'} |`,
      );
    }
  }
  if (r.mergedFrom) {
    lines.push('');
    lines.push(
      `Only some steps ran on ${r.startedAt}; the figures of the others come from the run of ${r.mergedFrom.startedAt} ([${r.mergedFrom.file}](../${r.mergedFrom.file})), with their own noise marks.`,
    );
  }
  if (r.missing.length > 0) {
    lines.push('');
    lines.push('### Not measured by this run');
    lines.push('');
    for (const x of r.missing) lines.push(`- ${x}`);
  }
  if (opts.chartPath) {
    lines.push('');
    lines.push('### Throughput and latency over the end-to-end run');
    lines.push('');
    lines.push(`![per-second rate and latency percentiles of the end-to-end run](${opts.chartPath})`);
  }
  lines.push('');
  lines.push('<a id="bench-commands"></a>');
  lines.push('### Commands');
  lines.push('');
  r.commands.forEach((c, i) => lines.push(`${i + 1}. \`${c}\``));
  return lines.join('\n');
}

export const BEGIN_MARKER =
  '<!-- bench:begin (generated by npm run bench; edits between the markers are overwritten) -->';
export const END_MARKER = '<!-- bench:end -->';

/**
 * Replaces the generated section between the markers, or appends it (with its markers) when the
 * document has none. The hand-written text around it is kept byte for byte.
 */
export function replaceSection(doc: string, content: string): string {
  const beginRe = /<!-- bench:begin[^>]*-->/;
  const b = beginRe.exec(doc);
  const e = doc.indexOf(END_MARKER, b ? b.index : 0);
  const block = `${BEGIN_MARKER}\n${content.trim()}\n${END_MARKER}`;
  if (b && e >= 0) return doc.slice(0, b.index) + block + doc.slice(e + END_MARKER.length);
  if (b || e >= 0) throw new Error('docs/BENCHMARKS.md has one bench marker without the other');
  return `${doc.replace(/\s*$/, '')}\n\n${block}\n`;
}

// ---- the chart ----------------------------------------------------------------------------------------

export interface SecondPoint {
  /** Seconds since the first submission. */
  t: number;
  offered: number;
  included: number;
  queryable: number;
  /** Latency percentiles (ms) of the submissions sent during this second (NaN when none completed). */
  includedP50: number;
  includedP99: number;
  queryableP50: number;
  queryableP99: number;
}

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Tick values for a linear axis from 0 to about max: 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * A two-panel SVG (plain text, no library): achieved rates per second on top (offered, included,
 * queryable), latency percentiles per second of submission below on a log scale.
 */
export function renderSvg(points: SecondPoint[], title: string): string {
  const W = 900;
  const H = 560;
  const L = 70;
  const R = 170;
  const panel = [
    { top: 50, h: 190 },
    { top: 320, h: 190 },
  ] as const;
  const tMax = Math.max(1, ...points.map((p) => p.t + 1));
  const x = (t: number) => L + ((W - L - R) * t) / tMax;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${xmlEsc(title)}</text>`);

  const line = (pts: [number, number][], color: string, dash = '') => {
    const segs: string[] = [];
    let cur: string[] = [];
    for (const [px, py] of pts) {
      if (!Number.isFinite(py)) {
        if (cur.length) segs.push(cur.join(' '));
        cur = [];
        continue;
      }
      cur.push(`${px.toFixed(1)},${py.toFixed(1)}`);
    }
    if (cur.length) segs.push(cur.join(' '));
    for (const s of segs)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${s}"/>`,
      );
  };
  const legend = (top: number, items: [string, string, string][]) =>
    items.forEach(([label, color, dash], i) => {
      const y = top + 10 + i * 20;
      out.push(
        `<line x1="${W - R + 15}" y1="${y}" x2="${W - R + 45}" y2="${y}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      );
      out.push(`<text x="${W - R + 52}" y="${y + 4}">${xmlEsc(label)}</text>`);
    });
  const xAxis = (top: number, h: number) => {
    out.push(`<line x1="${L}" y1="${top + h}" x2="${W - R}" y2="${top + h}" stroke="black"/>`);
    for (const t of niceTicks(tMax, 8).filter((v) => v <= tMax)) {
      out.push(`<line x1="${x(t)}" y1="${top + h}" x2="${x(t)}" y2="${top + h + 4}" stroke="black"/>`);
      out.push(`<text x="${x(t)}" y="${top + h + 17}" text-anchor="middle">${t}</text>`);
    }
    out.push(
      `<text x="${(L + W - R) / 2}" y="${top + h + 34}" text-anchor="middle">seconds since the first submission</text>`,
    );
  };

  // Rates.
  {
    const { top, h } = panel[0];
    const yMax = Math.max(1, ...points.flatMap((p) => [p.offered, p.included, p.queryable]));
    const ticks = niceTicks(yMax);
    const top2 = ticks.at(-1) as number;
    const y = (v: number) => top + h - (h * v) / top2;
    for (const v of ticks) {
      out.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`);
      out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
    }
    out.push(`<line x1="${L}" y1="${top}" x2="${L}" y2="${top + h}" stroke="black"/>`);
    out.push(
      `<text transform="translate(18 ${top + h / 2}) rotate(-90)" text-anchor="middle">entries per second</text>`,
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.offered)]),
      '#999',
      '4 3',
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.included)]),
      '#1f77b4',
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.queryable)]),
      '#2ca02c',
    );
    legend(top, [
      ['offered', '#999', '4 3'],
      ['included (201)', '#1f77b4', ''],
      ['queryable (api)', '#2ca02c', ''],
    ]);
    xAxis(top, h);
  }
  // Latencies, log scale.
  {
    const { top, h } = panel[1];
    const vals = points
      .flatMap((p) => [p.includedP50, p.includedP99, p.queryableP50, p.queryableP99])
      .filter((v) => Number.isFinite(v) && v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...vals, 10))));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...vals, lo * 10)));
    const y = (v: number) =>
      v > 0 ? top + h - (h * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo)) : NaN;
    for (let v = lo; v <= hi * 1.0001; v *= 10) {
      out.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`);
      out.push(
        `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
      );
    }
    out.push(`<line x1="${L}" y1="${top}" x2="${L}" y2="${top + h}" stroke="black"/>`);
    out.push(
      `<text transform="translate(18 ${top + h / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>`,
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.includedP50)]),
      '#1f77b4',
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.includedP99)]),
      '#1f77b4',
      '6 3',
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.queryableP50)]),
      '#2ca02c',
    );
    line(
      points.map((p) => [x(p.t + 0.5), y(p.queryableP99)]),
      '#2ca02c',
      '6 3',
    );
    legend(top, [
      ['included p50', '#1f77b4', ''],
      ['included p99', '#1f77b4', '6 3'],
      ['queryable p50', '#2ca02c', ''],
      ['queryable p99', '#2ca02c', '6 3'],
    ]);
    xAxis(top, h);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ---- parsing a script's output ------------------------------------------------------------------------

/** The last line of `stdout` that is a JSON object (scripts in --json mode print exactly one). */
export function lastJson(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] as string;
    if (!l.startsWith('{')) continue;
    try {
      const v: unknown = JSON.parse(l);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  }
  // A pretty-printed object (several lines): from the last line that is exactly "{".
  const start = stdout.lastIndexOf('\n{\n');
  const from = start >= 0 ? start + 1 : stdout.startsWith('{\n') ? 0 : -1;
  if (from >= 0) {
    try {
      const v: unknown = JSON.parse(stdout.slice(from));
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

export interface SubmitStep {
  offered: number;
  ok?: number;
  sent?: number;
  p50: number;
  p99: number;
  achieved?: number;
}

/** A duration in a table cell or a line: "18.9 s", "412 ms", "412", "1,204 ms" → milliseconds. */
function ms(text: string): number {
  const m = /(-?[\d,]*\.?\d+)\s*(ms|s|µs|us)?\b/.exec(text);
  if (!m?.[1]) return NaN;
  const v = Number(m[1].replace(/,/g, ''));
  const unit = m[2] ?? 'ms';
  return unit === 's' ? v * 1000 : unit === 'ms' ? v : v / 1000;
}
const num = (text: string) => {
  const m = /(-?[\d,]*\.?\d+)/.exec(text);
  return m?.[1] ? Number(m[1].replace(/,/g, '')) : NaN;
};

/**
 * The steps of bench/submit-latency.ts, whatever its output form: (1) its JSON line
 * `{"bench":"submit-latency","steps":[{offered,sent,ok,p50,p99,achieved}...]}`; else (2) a markdown
 * table whose header names an `offered` column and `p50` and `p99` columns (values in ms, or with
 * an `ms`/`s` unit; `logged`/`ok`/`201` and `achieved` columns optional, matched by header
 * words, in any order); else (3) its text lines `offered R/s ...: p50 X ms, p99 Y ms, Z/s achieved`.
 */
export function parseSubmitLatency(stdout: string): SubmitStep[] {
  const j = lastJson(stdout);
  if (j && Array.isArray(j['steps'])) {
    const steps = (j['steps'] as Record<string, unknown>[])
      .map((s) => ({
        offered: Number(s['offered']),
        p50: Number(s['p50']),
        p99: Number(s['p99']),
        ...(s['ok'] !== undefined ? { ok: Number(s['ok']) } : {}),
        ...(s['sent'] !== undefined ? { sent: Number(s['sent']) } : {}),
        ...(s['achieved'] !== undefined ? { achieved: Number(s['achieved']) } : {}),
      }))
      .filter((s) => Number.isFinite(s.offered));
    if (steps.length > 0) return steps;
  }
  const lines = stdout.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i] as string;
    if (!head.trim().startsWith('|') || !/^\s*\|[\s|:-]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
    const cells = (l: string) =>
      l
        .trim()
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((c) => c.trim());
    const cols = cells(head).map((c) => c.toLowerCase());
    const col = (re: RegExp) => cols.findIndex((c) => re.test(c));
    const off = col(/offered|rate/);
    const p50 = col(/p50/);
    const p99 = col(/p99/);
    if (off < 0 || p50 < 0 || p99 < 0) continue;
    const okCol = col(/logged|\bok\b|201/);
    const ach = col(/achieved/);
    const steps: SubmitStep[] = [];
    for (let k = i + 2; k < lines.length && (lines[k] ?? '').trim().startsWith('|'); k++) {
      const c = cells(lines[k] as string);
      const step: SubmitStep = {
        offered: num(c[off] ?? ''),
        p50: ms(c[p50] ?? ''),
        p99: ms(c[p99] ?? ''),
      };
      if (okCol >= 0) step.ok = num(c[okCol] ?? '');
      if (ach >= 0) step.achieved = num(c[ach] ?? '');
      if (Number.isFinite(step.offered)) steps.push(step);
    }
    if (steps.length > 0) return steps;
  }
  const steps: SubmitStep[] = [];
  for (const l of lines) {
    const m = /offered\s+([\d,.]+)\s*\/s.*?p50\s+([\d,.]+\s*m?s).*?p99\s+([\d,.]+\s*m?s)/.exec(l);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    const a = /([\d,.]+)\s*\/s achieved/.exec(l);
    const ok = /(\d+)\/(\d+) logged/.exec(l);
    steps.push({
      offered: num(m[1]),
      p50: ms(m[2]),
      p99: ms(m[3]),
      ...(a?.[1] ? { achieved: num(a[1]) } : {}),
      ...(ok?.[1] && ok[2] ? { ok: Number(ok[1]), sent: Number(ok[2]) } : {}),
    });
  }
  return steps;
}
