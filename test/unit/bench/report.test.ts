import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BEGIN_MARKER,
  END_MARKER,
  lastJson,
  median,
  mergeFigures,
  niceTicks,
  noiseReasons,
  parseSubmitLatency,
  percentile,
  renderMarkdown,
  renderSvg,
  replaceSection,
  sanityProblems,
  summarize,
  type Figure,
  type Report,
  type SecondPoint,
} from '../../../bench/report.js';

const figure = (id: string, runs: number[], extra: Partial<Figure> = {}): Figure => ({
  id,
  group: 'g',
  label: id,
  unit: 'ms',
  kind: 'latency',
  runs,
  summary: summarize(runs),
  noise: [],
  command: 0,
  ...extra,
});

describe('bench statistics', () => {
  it('nearest-rank percentiles and the median', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.equal(median([3, 1, 2]), 2);
  });

  it('summarizes runs with their spread in percent of the median', () => {
    assert.deepEqual(summarize([100, 90, 110]), { n: 3, median: 100, min: 90, max: 110, spreadPct: 20 });
    assert.equal(summarize([5]).spreadPct, 0);
    const s = summarize([NaN, 4]);
    assert.equal(s.median, 4);
    assert.equal(s.n, 2);
    assert.ok(Number.isNaN(summarize([]).median));
  });
});

describe('bench noise detection', () => {
  it('is quiet on an idle machine with a tight spread', () => {
    assert.deepEqual(noiseReasons({ before: 0.5, maxDuring: 1.5 }, 2, 10, false), []);
  });
  it('flags a busy machine before the run', () => {
    assert.match(noiseReasons({ before: 3.1, maxDuring: 1 }, 2, 0, false).join(), /load 3\.1 before/);
  });
  it('bounds the load during a run by the cores, or twice the cores when the benchmark loads them itself', () => {
    assert.equal(noiseReasons({ before: 1, maxDuring: 3 }, 2, 0, false).length, 1);
    assert.equal(noiseReasons({ before: 1, maxDuring: 3 }, 2, 0, true).length, 0);
    assert.equal(noiseReasons({ before: 1, maxDuring: 4.5 }, 2, 0, true).length, 1);
  });
  it('flags a spread above 25 % of the median', () => {
    assert.deepEqual(noiseReasons(undefined, 2, 25, false), []);
    assert.match(noiseReasons(undefined, 2, 26, false).join(), /spread 26 %/);
  });
});

describe('bench sanity', () => {
  it('accepts positive finite numbers with ordered percentiles', () => {
    assert.deepEqual(
      sanityProblems([figure('a.p50', [1, 2]), figure('a.p99', [3, 4])], [['a.p50', 'a.p99']]),
      [],
    );
  });
  it('rejects zero, negative, non-finite and missing runs', () => {
    const p = sanityProblems(
      [figure('z', [0]), figure('n', [-1]), figure('i', [Infinity]), figure('x', [NaN]), figure('e', [])],
      [],
    );
    assert.equal(p.length, 5);
  });
  it('rejects percentiles out of order, run by run', () => {
    const p = sanityProblems([figure('p50', [1, 9]), figure('p99', [3, 4])], [['p50', 'p99']]);
    assert.equal(p.length, 1);
    assert.match(p[0]!, /run 2/);
  });
});

describe('bench markdown section', () => {
  const doc = '# Benchmarks\n\nhand-written\n\n## Later section\n\nmore text\n';
  it('appends the section with its markers when the document has none', () => {
    const out = replaceSection(doc, 'generated 1');
    assert.ok(out.startsWith(doc.trimEnd()));
    assert.ok(out.includes(`${BEGIN_MARKER}\ngenerated 1\n${END_MARKER}`));
  });
  it('replaces only what is between the markers, keeping the text around them byte for byte', () => {
    const middle = `${doc}\n<!-- bench:begin -->\nold\nstuff\n${END_MARKER}\n\ntrailing hand-written\n`;
    const out = replaceSection(middle, 'generated 2');
    assert.ok(out.startsWith(doc));
    assert.ok(out.endsWith(`${END_MARKER}\n\ntrailing hand-written\n`));
    assert.ok(!out.includes('old\nstuff'));
    assert.equal(replaceSection(out, 'generated 2'), out, 'idempotent');
  });
  it('refuses a document with one marker only', () => {
    assert.throws(() => replaceSection(`${doc}<!-- bench:begin -->\n`, 'x'));
  });
  it('renders figures with spread, fractions, targets and noise', () => {
    const report: Report = {
      mode: 'full',
      startedAt: '2026-11-26T00:00:00.000Z',
      seconds: 100,
      machine: {
        cores: 2,
        cpuModel: 'cpu',
        memoryGiB: 24,
        os: 'Debian',
        node: 'v20',
        postgres: 'PostgreSQL 15',
        kafka: '4.1.2',
        loadAtStart: [0.1, 0.2, 0.3],
      },
      commands: ['npx tsx bench/x.ts | y'],
      figures: [
        figure('rate', [1000, 1200, 800], {
          unit: 'entries/s',
          kind: 'rate',
          limits: [{ label: 'raw verify', value: 10000 }],
          target: '≥ 5,000/s',
          noise: ['spread 40 % of the median'],
        }),
      ],
      missing: ['replay: not available'],
      ordered: [],
    };
    const md = renderMarkdown(report, { chartPath: 'bench-e2e.svg' });
    assert.match(
      md,
      /\| rate \| 1,000 entries\/s \| 800–1,200 \(40 %\) \| 3 \| 10 % of raw verify \(10,000\) \| ≥ 5,000\/s \|/,
    );
    assert.match(md, /\*\*noisy\*\*: spread 40 %/);
    assert.match(md, /replay: not available/);
    assert.match(md, /!\[[^\]]*\]\(bench-e2e\.svg\)/);
    assert.match(md, /1\. `npx tsx bench\/x\.ts \| y`/);
  });
});

describe('bench partial runs', () => {
  it('replaces the figures a partial run measured, keeps the others in order with their commands', () => {
    const earlier = {
      commands: ['cmd a', 'cmd b'],
      figures: [
        figure('a', [1], { command: 0 }),
        figure('b', [2], { command: 1 }),
        figure('c', [3], { command: 1 }),
      ],
    };
    const now = {
      commands: ['cmd b2'],
      figures: [figure('b', [20], { command: 0 }), figure('d', [4], { command: 0 })],
    };
    const m = mergeFigures(earlier, now);
    assert.deepEqual(
      m.figures.map((f) => [f.id, f.runs[0], m.commands[f.command]]),
      [
        ['a', 1, 'cmd a'],
        ['b', 20, 'cmd b2'],
        ['c', 3, 'cmd b'],
        ['d', 4, 'cmd b2'],
      ],
    );
  });
  it('gives an all-equal set of runs no spread (a zero rate three times is not noise)', () => {
    assert.equal(summarize([0, 0, 0]).spreadPct, 0);
    assert.deepEqual(noiseReasons(undefined, 2, summarize([0, 0, 0]).spreadPct, false), []);
  });
});

describe('bench SVG chart', () => {
  const points: SecondPoint[] = Array.from({ length: 10 }, (_, t) => ({
    t,
    offered: 100,
    included: t < 2 ? 0 : 95,
    queryable: t < 3 ? 0 : 90,
    includedP50: t === 9 ? NaN : 50 + t,
    includedP99: t === 9 ? NaN : 400 + t,
    queryableP50: 300,
    queryableP99: 1500,
  }));
  it('is a standalone SVG document with both panels and a legend', () => {
    const svg = renderSvg(points, 'run <1>');
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.match(svg, /run &lt;1&gt;/);
    for (const label of ['offered', 'included (201)', 'queryable (api)', 'included p99', 'queryable p50'])
      assert.ok(svg.includes(`>${label}</text>`), label);
    assert.ok(!/NaN|undefined|Infinity/.test(svg), 'no non-numbers in coordinates');
    assert.ok((svg.match(/<polyline/g) ?? []).length >= 7);
  });
  it('draws an empty run without failing', () => {
    const svg = renderSvg([], 'empty');
    assert.ok(!/NaN|undefined|Infinity/.test(svg));
  });
  it('picks round axis ticks', () => {
    assert.deepEqual(niceTicks(95), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(1000, 5), [0, 200, 400, 600, 800, 1000]);
    assert.deepEqual(niceTicks(0), [0, 1]);
  });
});

describe('bench output parsing', () => {
  it('finds the last JSON line, or a pretty-printed object', () => {
    assert.deepEqual(lastJson('text\n{"a":1}\nmore\n{"b":2}\n'), { b: 2 });
    assert.deepEqual(lastJson('{\n  "c": [1]\n}\n'), { c: [1] });
    assert.equal(lastJson('no json here\n'), undefined);
  });
  it('reads submit-latency from its JSON line', () => {
    const out =
      'offered 500/s for 15 s: 7197/7500 logged (201), p50 18900 ms, p99 58400 ms, 116/s achieved, errors {}\n' +
      '{"bench":"submit-latency","seconds":15,"steps":[{"offered":500,"sent":7500,"ok":7197,"errors":{},"p50":18900,"p99":58400,"achieved":116}],"highestRateWithP99Under1s":0}\n';
    assert.deepEqual(parseSubmitLatency(out), [
      { offered: 500, sent: 7500, ok: 7197, p50: 18900, p99: 58400, achieved: 116 },
    ]);
  });
  it('reads submit-latency from a markdown table, whatever the column order and units', () => {
    const out = [
      '# submit latency',
      '',
      '| offered | achieved | logged (201) | p99 | p50 | notes |',
      '|---:|---|---|---|---|---|',
      '| 500/s | 116/s | 7,197 / 7,500 | 58.4 s | 18.9 s | x |',
      '| 1,000 | 120 | 9000 | 1,204 ms | 412 | |',
      '',
    ].join('\n');
    assert.deepEqual(parseSubmitLatency(out), [
      { offered: 500, achieved: 116, ok: 7197, p50: 18900, p99: 58400 },
      { offered: 1000, achieved: 120, ok: 9000, p50: 412, p99: 1204 },
    ]);
  });
  it('falls back to its text lines', () => {
    const out =
      'offered 1000/s for 20 s: 19000/20000 logged (201), p50 412 ms, p99 1204 ms, 950/s achieved, errors {}\n';
    assert.deepEqual(parseSubmitLatency(out), [
      { offered: 1000, p50: 412, p99: 1204, achieved: 950, ok: 19000, sent: 20000 },
    ]);
    assert.deepEqual(parseSubmitLatency('nothing useful'), []);
  });
});
