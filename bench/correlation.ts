/**
 * `npx tsx bench/correlation.ts [--full]`: times correlateCommitsWithActivity (interval
 * index, O((n + m) log(n + m))) against the all-pairs scan (O(n · m)) measured in the same
 * run on the same data, and checks that both give the same result. The all-pairs scan is
 * measured up to 4,000 × 4,000 and extrapolated quadratically beyond (measured at
 * 10,000 × 10,000 too with --full: a few seconds more). Progress on stderr, the
 * Markdown table on stdout. No database, no network.
 */
import { cpus } from "node:os";
import { isDeepStrictEqual } from "node:util";
import {
  correlateCommitsWithActivity,
  correlateCommitsWithActivityAllPairs,
  type ActivityPeriod,
  type CommitForCorrelation,
  type CorrelationOptions,
} from "../src/lib/correlation/index";
import { seededRandom as random } from "./lib/random";

const FULL = process.argv.includes("--full");
const MINUTE = 60_000;
const T0 = Date.parse("2026-01-05T08:00:00Z");
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

type Workload = { periods: ActivityPeriod[]; commits: CommitForCorrelation[]; options: CorrelationOptions };

/**
 * A developer's months: sessions of 5–90 minutes with 1–60 minute gaps, 10 % overlapping
 * the previous one (a second device), 20 projects with folder and remote, 10 % of
 * sessions without a project. Commits: 80 % during or up to 40 minutes after a session,
 * mostly in its project's repository, 10 % by a teammate; 20 % at random times.
 */
function realistic(n: number, m: number, seed: number): Workload {
  const rnd = random(seed);
  const projects = Array.from({ length: 20 }, (_, i) => ({ id: `proj${i}`, path: `/home/me/code/repo-${i}`, repository: `git@github.com:acme/repo-${i}.git` }));
  const periods: ActivityPeriod[] = [];
  const spans: Array<{ start: number; end: number; project: number }> = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const overlap = i > 0 && rnd() < 0.1;
    const start = overlap ? t - rnd() * 30 * MINUTE : (t += (1 + rnd() * 60) * MINUTE);
    const end = start + (5 + rnd() * 85) * MINUTE;
    t = Math.max(t, end);
    const project = rnd() < 0.9 ? Math.floor(rnd() * 20) : -1;
    spans.push({ start, end, project });
    periods.push({ id: `a${i}`, start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...(project >= 0 ? { projectId: `proj${project}` } : {}) });
  }
  const commits: CommitForCorrelation[] = Array.from({ length: m }, (_, i) => {
    const span = spans[Math.floor(rnd() * spans.length)];
    const near = span !== undefined && rnd() < 0.8;
    const time = near ? span.start + rnd() * (span.end - span.start + 40 * MINUTE) : T0 + rnd() * (t - T0);
    const repo = near && span.project >= 0 && rnd() < 0.85 ? span.project : Math.floor(rnd() * 25);
    return {
      sha: (i + 1).toString(16).padStart(7, "0"),
      repository: `acme/repo-${repo}`,
      committedAt: new Date(time).toISOString(),
      authorEmail: rnd() < 0.9 ? "me@example.com" : "teammate@example.com",
    };
  });
  return { periods, commits, options: { projects, identities: { emails: ["me@example.com"] } } };
}

/** The worst case for a sweep over overlapping periods: every period spans the whole day. */
function overlapping(n: number, m: number): Workload {
  const day = 24 * 60 * MINUTE;
  const periods = Array.from({ length: n }, (_, i) => ({
    id: `d${i}`,
    start: new Date(T0 - (i % 60) * MINUTE).toISOString(),
    end: new Date(T0 + day + (i % 45) * MINUTE).toISOString(),
    ...(i % 2 ? { repository: `acme/repo-${i % 7}` } : {}),
  }));
  const commits = Array.from({ length: m }, (_, i) => ({
    sha: (i + 1).toString(16).padStart(7, "0"),
    repository: `acme/repo-${i % 9}`,
    committedAt: new Date(T0 + ((i * 7) % (24 * 60)) * MINUTE).toISOString(),
  }));
  return { periods, commits, options: { minScore: 0 } };
}

type Fn = typeof correlateCommitsWithActivity;

/** Median wall time of `runs` calls after one warm-up call, with the last result. */
function time(fn: Fn, w: Workload, runs: number): { ms: number; result: ReturnType<Fn> } {
  let result = fn(w.periods, w.commits, w.options);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = fn(w.periods, w.commits, w.options);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, result };
}

type Row = { workload: string; size: string; indexedMs: number; allPairsMs?: number; allPairsNote: string; same?: boolean; matched: number };

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const sizeOf = (n: number, m: number) => `${n.toLocaleString("en-US")} × ${m.toLocaleString("en-US")}`;

const rows: Row[] = [];

for (const [name, make] of [
  ["realistic", realistic],
  ["all overlapping", overlapping],
] as const) {
  /** This workload's all-pairs time per pair at the largest size measured, for extrapolation. */
  let perPairMs: number | undefined;
  const sizes = [1_000, 2_000, 4_000, 10_000, 100_000];
  for (const size of sizes) {
    const w = make(size, size, 42);
    log(`${name} ${sizeOf(size, size)}: indexed…`);
    const indexed = time(correlateCommitsWithActivity, w, size >= 100_000 ? 3 : 7);
    const measureAllPairs = size <= 4_000 || (size === 10_000 && FULL);
    let allPairsMs: number | undefined;
    let same: boolean | undefined;
    let allPairsNote: string;
    if (measureAllPairs) {
      log(`${name} ${sizeOf(size, size)}: all pairs…`);
      const all = time(correlateCommitsWithActivityAllPairs, w, size >= 10_000 ? 1 : 3);
      allPairsMs = all.ms;
      same = isDeepStrictEqual(indexed.result, all.result);
      allPairsNote = "measured";
      perPairMs = all.ms / (size * size);
    } else if (perPairMs !== undefined) {
      allPairsMs = perPairMs * size * size;
      allPairsNote = `extrapolated (n·m × this workload's time per pair at 4,000²)${size > 10_000 ? "; beyond the API limit" : ""}`;
    } else {
      allPairsNote = "—";
    }
    rows.push({ workload: name, size: sizeOf(size, size), indexedMs: indexed.ms, allPairsMs, allPairsNote, same, matched: indexed.result.summary.matched });
  }
}

const cpu = cpus();
const lines = [
  `# Commit ↔ activity correlation benchmark`,
  ``,
  `${new Date().toISOString()} · Node ${process.version} · ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}`,
  ``,
  `Median wall time of one \`correlateCommitsWithActivity\` call (interval index) against the`,
  `all-pairs scan of the same scoring, on the same data in the same run. "Same result" compares`,
  `the whole output of both.`,
  ``,
  `| Workload | Periods × commits | Matched | Indexed | All pairs | All-pairs time | Speedup | Same result |`,
  `| --- | --- | ---: | ---: | ---: | --- | ---: | :---: |`,
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.size} | ${r.matched.toLocaleString("en-US")} | ${fmt(r.indexedMs)} | ${r.allPairsMs === undefined ? "—" : fmt(r.allPairsMs)} | ${r.allPairsNote} | ${
        r.allPairsMs === undefined ? "—" : `${(r.allPairsMs / r.indexedMs).toFixed(0)}×`
      } | ${r.same === undefined ? "—" : r.same ? "✅" : "❌"} |`,
  ),
  ``,
  `Both columns include the work common to both strategies (reading 2·(n + m) timestamps,`,
  `normalising repositories, building the reasons and the per-period summary), which is why`,
  `small realistic inputs show little difference: there the all-pairs scan mostly rejects`,
  `pairs by time in a few nanoseconds each. The scan grows with n·m, the index with`,
  `(n + m) log(n + m) (10× the input at 100,000² costs the index about 13× the time), and`,
  `in the "all overlapping" rows every period is a candidate for every commit, so the scan`,
  `has to score them all while the index still looks at ≤ 15 × 3 candidates per commit.`,
  ``,
];
process.stdout.write(lines.join("\n"));
if (rows.some((r) => r.same === false)) {
  log("the indexed and all-pairs results differ");
  process.exitCode = 1;
}
