/**
 * `npm run bench:calendar`: times `suggestFocusSlots` (interval arithmetic) against the
 * minute-by-minute scan (bench/lib/naive-suggest.ts) on the same calendars in the same
 * run, checks that both give the same suggestions, and writes its section of
 * bench/RESULTS.md. No database, no network; about half a minute.
 *
 * The calendars: 4 weeks across the spring DST change in Berlin, 3 calendars × 40 events
 * a week (480 events, 10 % tentative, 15 minutes to 2 hours, overlapping freely), a
 * productivity profile, a preference for mornings: what one user's "suggest focus time"
 * click asks for. Each of WORKLOADS calendars comes from its own seed.
 */
import { loadavg } from "node:os";
import { isDeepStrictEqual } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { naiveSuggestFocusSlots } from "./lib/naive-suggest";
import { seededRandom } from "./lib/random";
import { describeMachine, ms, writeSection, type Row } from "./lib/report";
import { summarize, type LatencySummary } from "./lib/stats";
import type { SuggestFocusSlotsInput, TimeSlot } from "../src/lib/calendar/schemas";
import { suggestFocusSlots, type BusyInterval } from "../src/lib/calendar/suggest";
import { zoneOffsetPieces } from "../src/lib/calendar/zoned-time";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WORKLOADS = 20;
/** Timed calls of the fast version per workload (the scan is timed once per workload: it is ~100× slower). */
const FAST_ROUNDS = 50;
const TARGET_P99_MS = 50;
const WEEKS = 4;
const CALENDARS = 3;
const EVENTS_PER_CALENDAR_WEEK = 40;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Monday 2026-03-16 00:00 in Berlin; Berlin moves its clocks forward on the 29th. */
const FROM = Date.parse("2026-03-15T23:00:00Z");

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

type Workload = { input: SuggestFocusSlotsInput; busy: BusyInterval[]; now: number };

function workload(seed: number): Workload {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const busy: BusyInterval[] = [];
  for (let calendar = 0; calendar < CALENDARS; calendar++) {
    for (let week = 0; week < WEEKS; week++) {
      for (let i = 0; i < EVENTS_PER_CALENDAR_WEEK; i++) {
        // Mostly weekdays between 07:00 and 19:00 UTC, on the quarter hour; a few at any time.
        const day = random() < 0.9 ? Math.floor(random() * 5) : Math.floor(random() * 7);
        const quarter = random() < 0.95 ? 28 + Math.floor(random() * 48) : Math.floor(random() * 96);
        const start = FROM + (week * 7 + day) * DAY + quarter * 15 * MINUTE;
        const minutes = pick([15, 30, 30, 30, 45, 60, 60, 60, 90, 120]);
        busy.push({ start, end: start + minutes * MINUTE, ...(random() < 0.1 ? { tentative: true } : {}) });
      }
    }
  }
  const productivityProfile = Array.from({ length: 168 }, () => Math.round(random() * 100) / 100);
  const input: SuggestFocusSlotsInput = {
    from: new Date(FROM).toISOString(),
    to: new Date(FROM + WEEKS * 7 * DAY).toISOString(),
    durationMinutes: 60,
    preferences: { workingHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:30" }, timezone: "Europe/Berlin", minGapMinutes: 10, preferredTimes: ["morning"] },
    productivityProfile,
    limit: 10,
  };
  return { input, busy, now: FROM };
}

type Suggest = (input: SuggestFocusSlotsInput, busy: readonly BusyInterval[], now: number) => TimeSlot[];

function timeOnce(suggest: Suggest, w: Workload): { ms: number; result: TimeSlot[] } {
  const started = performance.now();
  const result = suggest(w.input, w.busy, w.now);
  return { ms: performance.now() - started, result };
}

const began = Date.now();
const loadBefore = loadavg()[0]!;
const workloads = Array.from({ length: WORKLOADS }, (_, i) => workload(1000 + i));

log(`warming up on ${WORKLOADS} workloads`);
for (const w of workloads) {
  suggestFocusSlots(w.input, w.busy, w.now);
  naiveSuggestFocusSlots(w.input, w.busy, w.now);
}

log(`suggestFocusSlots: ${WORKLOADS} workloads × ${FAST_ROUNDS} rounds`);
const fastSamples: number[] = [];
const fastResults: TimeSlot[][] = [];
for (let round = 0; round < FAST_ROUNDS; round++) {
  workloads.forEach((w, i) => {
    const { ms: elapsed, result } = timeOnce(suggestFocusSlots, w);
    fastSamples.push(elapsed);
    fastResults[i] = result;
  });
}

log("zone offsets alone (the Intl part of suggestFocusSlots)");
const offsetSamples: number[] = [];
for (let i = 0; i < WORKLOADS * FAST_ROUNDS; i++) {
  const started = performance.now();
  zoneOffsetPieces("Europe/Berlin", FROM, FROM + WEEKS * 7 * DAY);
  offsetSamples.push(performance.now() - started);
}
const offsets = summarize(offsetSamples);

log(`minute-by-minute scan: ${WORKLOADS} workloads × 1`);
const naiveSamples: number[] = [];
let agreeing = 0;
workloads.forEach((w, i) => {
  const { ms: elapsed, result } = timeOnce(naiveSuggestFocusSlots, w);
  naiveSamples.push(elapsed);
  if (isDeepStrictEqual(result, fastResults[i])) agreeing++;
  else log(`workload ${i}: the two disagree`);
});

const fast = summarize(fastSamples);
const naive = summarize(naiveSamples);
const passed = fast.p99 < TARGET_P99_MS;
const speedup = (pick: (s: LatencySummary) => number) => `${(pick(naive) / pick(fast)).toFixed(0)} × faster`;
const rows: Row[] = [
  { what: "p50 per call", value: ms(fast.p50), baseline: ms(naive.p50), ratio: speedup((s) => s.p50) },
  { what: "**p99 per call**", value: `**${ms(fast.p99)}**`, baseline: ms(naive.p99), ratio: speedup((s) => s.p99), target: `p99 < ${TARGET_P99_MS} ms`, met: passed },
  { what: "mean per call", value: ms(fast.mean), baseline: ms(naive.mean), ratio: speedup((s) => s.mean) },
  { what: "max per call", value: ms(fast.max), baseline: ms(naive.max), ratio: speedup((s) => s.max) },
];
const busyCount = workloads[0]!.busy.length;
const suggestions = fastResults.reduce((sum, result) => sum + result.length, 0) / WORKLOADS;
const machine = describeMachine("—");
const loadAfter = loadavg()[0]!;
const cell = (text: string | undefined) => (text ?? "—").replace(/\|/g, "\\|");
const report = [
  "## Focus-slot suggestion benchmark",
  "",
  "Run with `npm run bench:calendar` (no database, no network). It times `suggestFocusSlots`",
  "(src/lib/calendar/suggest.ts: interval arithmetic on the working hours and busy times) against the",
  "minute-by-minute scan that defines the same answers (bench/lib/naive-suggest.ts: Intl asked for the",
  "user's clock at every minute, every minute marked working, blocked or free), measured in the same run on",
  "the same calendars. This section is replaced on every run; the code is `bench/calendar.ts`.",
  "",
  `### Results — ${new Date().toISOString()}`,
  "",
  "| Measurement | suggestFocusSlots | Minute-by-minute scan | Ratio | Target | Met? |",
  "|---|---|---|---|---|---|",
  ...rows.map((row) => `| ${[row.what, row.value, row.baseline, row.ratio, row.target].map(cell).join(" | ")} | ${row.met === undefined ? "—" : row.met ? "✅ PASS" : "❌ FAIL"} |`),
  "",
  `- **Same suggestions:** ${agreeing} of ${WORKLOADS} workloads ${agreeing === WORKLOADS ? "✅" : "❌"} (the whole output compared)`,
  `- **Workload:** ${WORKLOADS} seeded calendars, each ${WEEKS} weeks (Monday 2026-03-16 to 2026-04-13, Europe/Berlin, across the DST change of 2026-03-29) of ${CALENDARS} calendars × ${EVENTS_PER_CALENDAR_WEEK} events a week (${busyCount} events, ~10 % tentative, 15–120 minutes, overlapping freely), working hours Mon–Fri 09:00–17:30, 60-minute slots, 10-minute gap, mornings preferred, a productivity profile, limit 10 (${suggestions.toFixed(1)} suggestions per call on average)`,
  `- **Samples:** suggestFocusSlots ${fast.samples} calls (${FAST_ROUNDS} rounds over the ${WORKLOADS} workloads), the scan ${naive.samples} calls (once per workload; its p99 is its maximum), after one warm-up call of each per workload. Each call includes validating the input with zod.`,
  `- **Machine:** ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memory} RAM; **Node:** ${machine.node}`,
  `- **Run time:** ${((Date.now() - began) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after${
    Math.max(loadBefore, loadAfter) > Number(machine.cpus) ? ` (above ${machine.cpus}: other processes competed for the CPUs, so the times, the tail most, are inflated)` : ""
  }`,
  `- **Where the time goes in suggestFocusSlots:** finding the zone's offsets over the ${WEEKS} weeks takes ${ms(offsets.p50)} at p50 (${ms(offsets.p99)} at p99) on its own: one Intl call per 6 hours sampled, and a bisection to the second at the DST change. The rest is validating the input, merging the busy times and scoring the quarter hours that fit. The scan spends its time in ${(WEEKS * 7 * 24 * 60).toLocaleString("en-US")} Intl calls (one per minute) and in marking blocked minutes event by event.`,
].join("\n");

process.stdout.write(`${report}\n`);
writeSection(join(ROOT, "bench/RESULTS.md"), "calendar", report);
log(`results written to bench/RESULTS.md — p99 ${ms(fast.p99)} against the target of ${TARGET_P99_MS} ms: ${passed ? "PASS" : "FAIL"}`);
if (agreeing !== WORKLOADS) process.exitCode = 1;
