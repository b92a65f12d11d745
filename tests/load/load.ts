/**
 * `npm run test:load` (issue 21; not in CI): the production server on a fresh database of the Postgres
 * server, under
 * 1. **a mixed workload** for LOAD_MINUTES (10): 200 connections. 160 devices each run a closed loop of
 *    pushes (one in ten also writes its user's shared record, a conflict), pulls from their own cursor
 *    and conflict reads, at most 6 calls a second each (the per-device allowance is 10: README, Rate
 *    limits); 40 realtime streams of the same users must receive every change those users push.
 * 2. **a soak at the desktop app's real rate** for SOAK_MINUTES (30): SOAK_DEVICES (2,000) devices, four
 *    per user, each with its realtime stream open, pushing a few records about once a minute (Poisson),
 *    pulling when another device of its user announced a change, and reading its conflicts about every
 *    ten minutes.
 * Each phase reports its throughput, p50/p95/p99 per call, errors (any answer but 200, a failed check, a
 * stream that failed, an announced change a stream never received, an error line in the server's log:
 * all must be 0), the server's CPU, and its RSS every 10 s, which must stay flat after warm-up: under 5 %
 * growth over the last 5 minutes (the last half of a shorter phase).
 *
 * At the default durations it writes the `load` section of RELIABILITY.md; shorter runs write
 * test-results/RELIABILITY-load.md. The RSS series go to test-results/load-rss-<phase>.csv.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { log, onCleanup, runBench } from "../../bench/lib/cleanup";
import { createCpuMeter, type CpuSplit } from "../../bench/lib/cpu";
import { createTestDatabase } from "../../bench/lib/database";
import { seedPopulation, type SeededDevice } from "../../bench/lib/population";
import { seededRandom } from "../../bench/lib/random";
import { activities, encryptRecords } from "../../bench/lib/records";
import { fmt, POSTGRES_SERVER, writeSection } from "../../bench/lib/report";
import { statusKiB } from "../../bench/lib/server";
import { openSubscribers, type SubscriberPool } from "../../bench/lib/sse";
import { percentile, summarize } from "../../bench/lib/stats";
import { createTrpcCaller, encodeInput, type TrpcAnswer } from "../../bench/lib/workload";
import { recordFigure, type Figure } from "../reliability/support/figures";
import { productionServer } from "../reliability/support/production-server";
import { readFigures, RELIABILITY_HEADER, renderFigures } from "../reliability/support/report";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const LOAD_MINUTES = Number(process.env.LOAD_MINUTES ?? 10);
const SOAK_MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const SOAK_DEVICES = Number(process.env.SOAK_DEVICES ?? 2_000);
const FULL_RUN = LOAD_MINUTES >= 10 && SOAK_MINUTES >= 30 && SOAK_DEVICES >= 2_000;

const MIXED_WORKERS = 160;
const MIXED_STREAMS = 40;
/** Per device: the per-device allowance is 600 calls a minute; 6 a second leaves room for the instance ceiling (1,000/s). */
const MIXED_MIN_GAP_MS = 1000 / 6;
const SOAK_DEVICES_PER_USER = 4;
const RECORDS_PER_PUSH = 3;
const RSS_EVERY_MS = 10_000;
const LEAK_WINDOW_MS = 5 * 60_000;
const LEAK_LIMIT = 0.05;
const SEED = 20_261_207;

type Kind = "push" | "pull" | "conflicts" | "stream";

/** What a phase saw: each call's latency by kind, and every error with an example of each. */
function createTally() {
  const latencies: Record<Exclude<Kind, "stream">, number[]> = { push: [], pull: [], conflicts: [] };
  const errors = new Map<string, number>();
  const error = (kind: Kind, problem: string) => {
    const key = `${kind}: ${problem.slice(0, 160)}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };
  return {
    latencies,
    errors,
    error,
    async timed(kind: Exclude<Kind, "stream">, run: () => Promise<TrpcAnswer>, check: (data: unknown) => string | undefined = () => undefined): Promise<unknown> {
      const started = performance.now();
      const answer = await run();
      latencies[kind].push(performance.now() - started);
      const problem = answer.status === 200 ? check(answer.data) : `HTTP ${answer.status}: ${answer.error}`;
      if (problem === undefined) return answer.data;
      error(kind, problem);
      return undefined;
    },
    calls: () => latencies.push.length + latencies.pull.length + latencies.conflicts.length,
    errorCount: () => [...errors.values()].reduce((sum, count) => sum + count, 0),
  };
}
type Tally = ReturnType<typeof createTally>;

type PushResult = { cursor: number; applied: number; conflicts: number };
type PullResult = { cursor: number; hasMore: boolean; changes: unknown[] };

/** A device's calls, each checked as the SDK would check it. */
function deviceCalls(call: TrpcCaller["call"], tally: Tally, dataKey: CryptoKey) {
  let records = 0;
  return {
    /** New records, plus (when `shared`) the user's shared record written without a base: a conflict once it exists. */
    async push(device: SeededDevice, shared: boolean): Promise<PushResult | undefined> {
      const plain = activities(`load-${device.deviceId}`, RECORDS_PER_PUSH, records);
      records += RECORDS_PER_PUSH;
      if (shared) plain.push({ id: `shared-${device.userId}`, value: plain[0]!.value });
      const changes = await encryptRecords(dataKey, device.userId, plain);
      const data = await tally.timed(
        "push",
        () => call(device.token, "sync.push", encodeInput({ idempotencyKey: randomUUID(), deviceId: device.deviceId, changes }), "POST"),
        (answer) => {
          const result = answer as PushResult;
          return result.applied + result.conflicts === changes.length && result.applied >= RECORDS_PER_PUSH ? undefined : `applied ${result.applied} and ${result.conflicts} conflicts of ${changes.length}`;
        },
      );
      return data as PushResult | undefined;
    },
    /** One page after `cursor`; returns the next cursor and whether more is waiting. */
    async pull(device: SeededDevice, cursor: number): Promise<PullResult | undefined> {
      const data = await tally.timed(
        "pull",
        () => call(device.token, "sync.pull", encodeInput({ cursor, limit: 100 }), "GET"),
        (answer) => ((answer as PullResult).cursor >= cursor ? undefined : `the cursor went back from ${cursor} to ${(answer as PullResult).cursor}`),
      );
      return data as PullResult | undefined;
    },
    conflicts: (device: SeededDevice) => tally.timed("conflicts", () => call(device.token, "conflicts.list", encodeInput({ status: "open", limit: 20 }), "GET")),
  };
}

/** The server's RSS every 10 s while a phase runs. */
function sampleRss(serverPid: () => number | undefined) {
  const samples: Array<{ ms: number; rssKiB: number }> = [];
  const started = performance.now();
  const take = () => samples.push({ ms: performance.now() - started, rssKiB: statusKiB(serverPid()!, "VmRSS") });
  take();
  const timer = setInterval(take, RSS_EVERY_MS);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

const median = (values: readonly number[]) => (values.length ? percentile([...values].sort((a, b) => a - b), 50) : 0);
type TrpcCaller = ReturnType<typeof createTrpcCaller>;

/** Growth over the last 5 minutes (the last half of a shorter phase): the last minute's median RSS against the window's first minute. */
function rssGrowth(samples: ReadonlyArray<{ ms: number; rssKiB: number }>) {
  const end = samples.at(-1)!.ms;
  const windowMs = Math.min(LEAK_WINDOW_MS, end / 2);
  const minute = Math.min(60_000, windowMs / 3);
  const first = median(samples.filter((sample) => sample.ms >= end - windowMs && sample.ms < end - windowMs + minute).map((sample) => sample.rssKiB));
  const last = median(samples.filter((sample) => sample.ms >= end - minute).map((sample) => sample.rssKiB));
  return { windowMs, growth: (last - first) / first, firstKiB: first, lastKiB: last };
}

/** Every change a stream's user announced reached each of that user's streams (checked after the phase drained). */
function missedDeliveries(pool: SubscriberPool, pushed: ReadonlyArray<{ group: number; cursor: number }>) {
  let missed = 0;
  for (const { group, cursor } of pushed) {
    for (const subscriber of pool.subscribers) if (subscriber.group === group && !subscriber.received.has(cursor)) missed++;
  }
  return missed;
}

const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

type PhaseOutcome = { tally: Tally; rss: ReturnType<typeof sampleRss>["samples"]; streams: number; streamFailures: number; announced: number; missed: number; seconds: number };

/** Once a phase's calls are done and its announcements drained: what its streams missed, and its connections closed. */
function endPhase(phase: { tally: Tally; rss: ReturnType<typeof sampleRss>; pool: SubscriberPool; caller: TrpcCaller; announced: Array<{ group: number; cursor: number }>; started: number }): PhaseOutcome {
  phase.rss.stop();
  const failures = phase.pool.failures();
  for (const failed of failures) phase.tally.error("stream", failed.failure!);
  const missed = missedDeliveries(phase.pool, phase.announced);
  phase.pool.close();
  phase.caller.close();
  const seconds = (performance.now() - phase.started) / 1000;
  return { tally: phase.tally, rss: phase.rss.samples, streams: phase.pool.subscribers.length, streamFailures: failures.length, announced: phase.announced.length, missed, seconds };
}

/** Phase 1: closed loops at up to 6 calls a second per device, beside 40 streams that must hear every change of their users. */
async function mixedWorkload(url: string, population: SeededDevice[], dataKey: CryptoKey, serverPid: () => number | undefined): Promise<PhaseOutcome> {
  // population: users with three devices each; the first two of each user call, the third holds a stream (first 40 users).
  const users = MIXED_WORKERS / 2;
  const workers = Array.from({ length: users }, (_, user) => [population[user * 3]!, population[user * 3 + 1]!]).flat();
  const streamDevices = Array.from({ length: MIXED_STREAMS }, (_, user) => population[user * 3 + 2]!);
  const tally = createTally();
  const pool = await openSubscribers({
    count: MIXED_STREAMS,
    concurrency: 20,
    timeoutMs: 60_000,
    url: () => `${url}/api/trpc/realtime.events`,
    group: (index) => index,
    headers: (index) => ({ authorization: `Bearer ${streamDevices[index]!.token}` }),
  });
  const caller = createTrpcCaller(url);
  const calls = deviceCalls(caller.call, tally, dataKey);
  const announced: Array<{ group: number; cursor: number }> = [];
  const rss = sampleRss(serverPid);
  const endsAt = performance.now() + LOAD_MINUTES * 60_000;
  const started = performance.now();
  await Promise.all(
    workers.map(async (device, index) => {
      const random = seededRandom(SEED + index);
      const user = Math.floor(index / 2);
      let cursor = 0;
      while (performance.now() < endsAt) {
        const began = performance.now();
        const dice = random();
        if (dice < 0.5) {
          const result = await calls.push(device, random() < 0.1);
          if (result && result.applied > 0 && user < MIXED_STREAMS) announced.push({ group: user, cursor: result.cursor });
        } else if (dice < 0.8) {
          cursor = (await calls.pull(device, cursor))?.cursor ?? cursor;
        } else await calls.conflicts(device);
        const rest = MIXED_MIN_GAP_MS - (performance.now() - began);
        if (rest > 0) await wait(rest);
      }
    }),
  );
  await wait(3_000); // the last announcements in flight
  return endPhase({ tally, rss, pool, caller, announced, started });
}

/** Phase 2: every device with its stream open, pushing about once a minute and pulling when its user's other devices changed something. */
async function soak(url: string, population: SeededDevice[], dataKey: CryptoKey, serverPid: () => number | undefined): Promise<PhaseOutcome> {
  const tally = createTally();
  const caller = createTrpcCaller(url);
  const calls = deviceCalls(caller.call, tally, dataKey);
  const userOf = new Map(population.map((device, index) => [device.deviceId, Math.floor(index / SOAK_DEVICES_PER_USER)]));
  // Each device pulls from its own cursor when a change of another device is announced; one pull at a time, again if more came meanwhile.
  const cursors = new Map(population.map((device) => [device.deviceId, 0]));
  const pulling = new Map<string, Promise<void>>();
  const stale = new Set<string>();
  const catchUp = (device: SeededDevice) => {
    if (pulling.has(device.deviceId)) return void stale.add(device.deviceId);
    const run = (async () => {
      do {
        stale.delete(device.deviceId);
        for (let more = true; more; ) {
          const page = await calls.pull(device, cursors.get(device.deviceId)!);
          if (!page) break;
          cursors.set(device.deviceId, page.cursor);
          more = page.hasMore;
        }
      } while (stale.has(device.deviceId));
    })().finally(() => pulling.delete(device.deviceId));
    pulling.set(device.deviceId, run);
  };
  log(`soak: opening ${fmt(population.length)} realtime streams`);
  const pool = await openSubscribers({
    count: population.length,
    concurrency: 50,
    timeoutMs: 300_000,
    url: () => `${url}/api/trpc/realtime.events`,
    group: (index) => Math.floor(index / SOAK_DEVICES_PER_USER),
    headers: (index) => ({ authorization: `Bearer ${population[index]!.token}` }),
    onSyncChanged: (subscriber, event) => {
      const device = population[subscriber.index]!;
      if (event.sourceDeviceId !== device.deviceId) catchUp(device);
    },
  });
  const announced: Array<{ group: number; cursor: number }> = [];
  const rss = sampleRss(serverPid);
  const started = performance.now();
  const endsAt = started + SOAK_MINUTES * 60_000;
  const meanPushGapMs = 60_000;
  const meanConflictReadGapMs = 10 * 60_000;
  await Promise.all(
    population.map(async (device, index) => {
      const random = seededRandom(SEED + 10_000 + index);
      const gap = (mean: number) => -Math.log(1 - random()) * mean;
      let nextPush = started + gap(meanPushGapMs);
      let nextConflictRead = started + gap(meanConflictReadGapMs);
      for (;;) {
        const due = Math.min(nextPush, nextConflictRead);
        if (due >= endsAt) return;
        await wait(due - performance.now());
        if (due === nextPush) {
          const result = await calls.push(device, random() < 0.02);
          if (result && result.applied > 0) announced.push({ group: userOf.get(device.deviceId)!, cursor: result.cursor });
          nextPush = Math.max(performance.now(), nextPush + gap(meanPushGapMs));
        } else {
          await calls.conflicts(device);
          nextConflictRead = Math.max(performance.now(), nextConflictRead + gap(meanConflictReadGapMs));
        }
      }
    }),
  );
  await wait(3_000);
  await Promise.all([...pulling.values()]);
  return endPhase({ tally, rss, pool, caller, announced, started });
}

/** The figure RELIABILITY.md shows for a phase. */
function figureOf(check: string, outcome: PhaseOutcome, cpu: CpuSplit, errorLines: readonly string[]): Figure {
  const { tally } = outcome;
  const growth = rssGrowth(outcome.rss);
  const leaked = growth.growth >= LEAK_LIMIT;
  const mib = (kib: number) => fmt(kib / 1024);
  const latency = (kind: Exclude<Kind, "stream">) => {
    const summary = summarize(tally.latencies[kind]);
    return `${kind} ${fmt(summary.samples)} (p50 ${fmt(summary.p50, 1)} · p95 ${fmt(summary.p95, 1)} · p99 ${fmt(summary.p99, 1)} ms)`;
  };
  const perMinute = outcome.rss.filter((sample, index) => index % 6 === 0 || index === outcome.rss.length - 1).map((sample) => mib(sample.rssKiB));
  const errors = [...tally.errors].map(([what, count]) => `${count} × ${what}`);
  return {
    area: "Load and soak",
    check,
    trials: "calls",
    tried: tally.calls(),
    lost: tally.errorCount() + outcome.missed + errorLines.length + (leaked ? 1 : 0),
    seconds: Math.round(outcome.seconds),
    detail: [
      `${fmt(tally.calls() / outcome.seconds, 1)} calls/s: ${latency("push")}, ${latency("pull")}, ${latency("conflicts")}`,
      `errors ${tally.errorCount()}${errors.length ? ` (${errors.slice(0, 5).join("; ")})` : ""}`,
      `${fmt(outcome.streams)} realtime streams, ${outcome.streamFailures} failed; ${fmt(outcome.announced)} changes announced to them, ${outcome.missed} deliveries missed`,
      `server CPU ${fmt(cpu.serverS / cpu.wallS, 2)} cores, Postgres ${fmt(cpu.postgresS / cpu.wallS, 2)}, this client ${fmt(cpu.clientS / cpu.wallS, 2)}`,
      `server RSS (MiB) each minute: ${perMinute.join(" → ")}; over the last ${fmt(growth.windowMs / 60_000, 1)} min ${mib(growth.firstKiB)} → ${mib(growth.lastKiB)} MiB, ${growth.growth >= 0 ? "+" : ""}${fmt(growth.growth * 100, 1)} % (limit +${LEAK_LIMIT * 100} %)${leaked ? " **growing**" : ""}`,
      `error lines in the server's log: ${errorLines.length}`,
    ].join("; "),
  };
}

async function main() {
  const reports = join(ROOT, "test-results");
  mkdirSync(reports, { recursive: true });
  const figuresFile = join(reports, "load-figures.jsonl");
  rmSync(figuresFile, { force: true });
  process.env.RELIABILITY_FIGURES = figuresFile;

  log("creating a fresh database on the Postgres server");
  const database = await createTestDatabase(POSTGRES_SERVER, "load");
  onCleanup(`drop database ${database.name}`, () => database.drop());
  process.env.DATABASE_URL = database.url;
  log("starting the production server (builds first if the sources changed)");
  const running = await productionServer("load", 3700);
  onCleanup("stop the server", () => running.stop());
  const serverPid = () => running.server.memory().serverPid;

  const soakUsers = Math.ceil(SOAK_DEVICES / SOAK_DEVICES_PER_USER);
  log(`seeding ${MIXED_WORKERS / 2} users × 3 devices for the mixed workload and ${fmt(soakUsers)} users × ${SOAK_DEVICES_PER_USER} devices for the soak`);
  const mixedPopulation = await seedPopulation({ root: ROOT, databaseUrl: database.url, users: MIXED_WORKERS / 2, devicesPerUser: 3, label: "load-mixed" });
  const soakPopulation = await seedPopulation({ root: ROOT, databaseUrl: database.url, users: soakUsers, devicesPerUser: SOAK_DEVICES_PER_USER, label: "load-soak" });
  onCleanup("close the set-up connection", () => soakPopulation.close());
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const meter = createCpuMeter(serverPid, database.name);
  const began = Date.now();

  const phases: Array<{ name: string; check: string; run: () => Promise<PhaseOutcome> }> = [
    {
      name: "mixed",
      check: `Mixed workload: 200 connections for ${LOAD_MINUTES} minutes (${MIXED_WORKERS} devices in closed loops of pushes, pulls and conflict reads at up to 6 calls/s each, ${MIXED_STREAMS} realtime streams)`,
      run: () => mixedWorkload(running.server.url, mixedPopulation.devices, dataKey, serverPid),
    },
    {
      name: "soak",
      check: `Soak at the desktop app's rate: ${fmt(SOAK_DEVICES)} devices for ${SOAK_MINUTES} minutes (each with its realtime stream, a push of ${RECORDS_PER_PUSH} records about once a minute, a pull when another device of its user changed something, a conflict read about every 10 minutes)`,
      run: () => soak(running.server.url, soakPopulation.devices.slice(0, SOAK_DEVICES), dataKey, serverPid),
    },
  ];
  for (const phase of phases) {
    log(`${phase.name}: running`);
    const linesBefore = running.errorLines.length;
    const measured = await meter(phase.run);
    const figure = figureOf(phase.check, measured.result, measured.cpu, running.errorLines.slice(linesBefore));
    recordFigure(figure);
    writeFileSync(join(reports, `load-rss-${phase.name}.csv`), `seconds,rss_kib\n${measured.result.rss.map((sample) => `${Math.round(sample.ms / 1000)},${sample.rssKiB}`).join("\n")}\n`);
    log(`${phase.name}: ${figure.tried} calls, lost ${figure.lost}: ${figure.detail}`);
  }

  const figures = readFigures(figuresFile);
  const passed = figures.length === phases.length && figures.every((figure) => figure.lost === 0);
  const section = [
    "## Load and soak (`npm run test:load`)",
    "",
    `Generated by \`npm run test:load\` (tests/load/load.ts), finished ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC after ${fmt((Date.now() - began) / 60_000, 1)} minutes of load,`,
    "against the production server (`node scripts/start.mjs`) on a fresh database of the Postgres server, with the load generated on the same 2-core machine.",
    'Lost counts errors (any answer but 200, a failed check, a failed stream), announced changes a stream never received, error lines in the server\'s log, and 1 if the RSS grew 5 % or more over the last 5 minutes. The RSS series every 10 s are in test-results/load-rss-<phase>.csv.',
    "",
    renderFigures(figures, { areaHeadings: false }),
    passed ? "Both phases passed with nothing lost." : "**A phase lost something: see the rows above.**",
  ].join("\n");
  const out = FULL_RUN ? join(ROOT, "RELIABILITY.md") : join(reports, "RELIABILITY-load.md");
  if (!FULL_RUN) rmSync(out, { force: true });
  writeSection(out, "load", section, RELIABILITY_HEADER);
  log(`${out.replace(`${ROOT}/`, "")}: ${passed ? "nothing lost" : "FAILED"}`);
  if (!passed) process.exitCode = 1;
}

await runBench(main);
