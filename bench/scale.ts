/**
 * `npm run bench:scale`: how many developers one server carries at the desktop app's real
 * sync rate. 5,000, then 10,000 simulated users (one device each; SCALE_USERS changes it) each push a
 * few encrypted records about once a minute, at random moments (Poisson arrivals, a fixed
 * seed), for 60 s (SCALE_SECONDS), against one production server on a fresh database of the
 * Postgres server. The same schedule is then replayed as raw SQL (bench/lib/baseline.ts) on
 * the same database: the floor. Open loop: a push is sent when it is due whether or not
 * earlier ones were answered, and its latency counts from that moment, so a server that falls
 * behind shows it. Writes the `scale` section of bench/RESULTS.md; bench/SCALING.md reads it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openBaseline } from "./lib/baseline";
import { seedPopulation } from "./lib/population";
import { log, onCleanup, runBench } from "./lib/cleanup";
import { createCpuMeter, waitForQuiet } from "./lib/cpu";
import { createTestDatabase } from "./lib/database";
import { activities, encryptRecords, type EncryptedChange } from "./lib/records";
import { seededRandom } from "./lib/random";
import { describeMachine, fmt, ms, POSTGRES_SERVER, renderReport, writeSection, type CpuRow, type Row } from "./lib/report";
import { findFreePort, startServer, statusKiB } from "./lib/server";
import { mapLimit } from "./lib/setup";
import { summarize } from "./lib/stats";
import { createPushSender, encodePush, type EncodedPush } from "./lib/workload";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The populations simulated, one after the other (SCALE_USERS="5000,10000"): where one instance keeps up, and issue 20's 10,000. */
const POPULATIONS = (process.env.SCALE_USERS ?? "5000,10000").split(",").map(Number);
const MAX_USERS = Math.max(...POPULATIONS);
/** Capacity is quoted at 70 % of the CPU measured, leaving 30 % for bursts. */
const HEADROOM = 0.7;
const SECONDS = Number(process.env.SCALE_SECONDS ?? 60);
/** The desktop app pushes after edits: a few records about once a minute per active device. */
const MEAN_INTERVAL_S = 60;
const RECORDS_PER_PUSH = 3;
const P99_TARGET_MS = 100;
const SEED = 20_261_206;

type Due = { atMs: number; user: number };

/** Each user's push moments in [0, SECONDS): Poisson arrivals at one per MEAN_INTERVAL_S, merged in time order. */
function schedule(users: number): Due[] {
  const due: Due[] = [];
  for (let user = 0; user < users; user++) {
    const random = seededRandom(SEED + user);
    for (let at = -Math.log(1 - random()) * MEAN_INTERVAL_S; at < SECONDS; at += -Math.log(1 - random()) * MEAN_INTERVAL_S) due.push({ atMs: at * 1000, user });
  }
  return due.sort((a, b) => a.atMs - b.atMs);
}

/** Runs `task(i)` at each due moment from now on, without waiting for earlier ones; returns each one's latency from its due moment (ms). */
async function openLoop(due: readonly Due[], task: (index: number) => Promise<void>): Promise<{ latencies: number[]; failures: string[] }> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let index = 0; index < due.length; index++) {
    const wait = started + due[index]!.atMs - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const dueAt = started + due[index]!.atMs;
    running.push(
      task(index).then(
        () => void latencies.push(performance.now() - dueAt),
        (error: unknown) => void failures.push(error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  await Promise.all(running);
  return { latencies, failures };
}

async function main(): Promise<void> {
  const began = Date.now();
  log("creating a fresh database");
  const database = await createTestDatabase(POSTGRES_SERVER, "scale");
  onCleanup(`drop database ${database.name}`, () => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-scale-"));
  onCleanup(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));

  const port = await findFreePort(3400);
  log(`starting the production server on port ${port} (builds first if the sources changed)`);
  const server = await startServer({ root: ROOT, port, env: { DATABASE_URL: database.url, NEXTAUTH_SECRET: randomBytes(32).toString("base64"), LOG_LEVEL: "warn", DATA_DIR: dataDir } });
  onCleanup("stop the server", () => server.stop());
  const startupS = server.startupMs / 1000;

  log(`creating ${fmt(MAX_USERS)} users, each with cloud sync consented and one device`);
  const seeded = await seedPopulation({ root: ROOT, databaseUrl: database.url, users: MAX_USERS, devicesPerUser: 1, label: "scale" });
  onCleanup("close the set-up connection", () => seeded.close());
  const population = seeded.devices;

  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const meter = createCpuMeter(() => server.memory().serverPid, database.name);
  const serverRssKiB = () => statusKiB(server.memory().serverPid!, "VmRSS");
  const sender = createPushSender(server.url);
  onCleanup("close the push sender's sockets", () => sender.close());
  // Warm-up (not reported): JIT and connection pools, with records of their own (the measured pushes' records are new to the server).
  const warmups = await mapLimit(population.slice(0, 200), 50, async (device, user) => encodePush(device, await encryptRecords(dataKey, device.userId, activities(`warmup-${user}`, RECORDS_PER_PUSH))));
  await mapLimit(warmups, 20, (push) => sender.send(push));

  const baseline = openBaseline(database.url);
  onCleanup("close the baseline connection", () => baseline.close());
  await baseline.createTables();
  const nextFloorSeq = new Array<number>(MAX_USERS).fill(1);

  const noisy: string[] = [];
  const quiet = async (what: string) => {
    const calm = await waitForQuiet(60);
    if (!calm.quiet) noisy.push(`${what} (other processes kept ${fmt(calm.busyCpus, 2)} CPUs busy)`);
  };
  const mib = (kib: number) => `${fmt(kib / 1024)} MiB`;
  const latency = (summary: ReturnType<typeof summarize>) =>
    `p50 ${ms(summary.p50)} · p95 ${ms(summary.p95)} · **p99 ${ms(summary.p99)}** · max ${ms(summary.max)} (${fmt(summary.samples)} pushes)`;
  const rows: Row[] = [];
  const cpuRows: CpuRow[] = [];

  /** One population: its schedule against the server, then the same schedule as raw SQL. */
  async function simulate(users: number) {
    const due = schedule(users);
    log(`${fmt(users)} users: encrypting ${fmt(due.length * RECORDS_PER_PUSH)} records for ${fmt(due.length)} pushes over ${SECONDS} s (${fmt(due.length / SECONDS, 1)} pushes/s)`);
    const pushCount = new Array<number>(users).fill(0);
    const changes: EncryptedChange[][] = await mapLimit(due, 50, ({ user }) => {
      const round = pushCount[user]!;
      pushCount[user] = round + 1;
      return encryptRecords(dataKey, population[user]!.userId, activities(`scale-${users}-${user}-${round}`, RECORDS_PER_PUSH));
    });
    const pushes: EncodedPush[] = due.map(({ user }, index) => encodePush(population[user]!, changes[index]!));

    await quiet(`the server, ${fmt(users)} users`);
    const rssBefore = serverRssKiB();
    log(`the server: ${fmt(due.length)} pushes over ${SECONDS} s`);
    const app = await meter(() => openLoop(due, (index) => sender.send(pushes[index]!)));
    const rssAfter = serverRssKiB();
    if (app.result.failures.length) throw new Error(`${app.result.failures.length} pushes failed, the first: ${app.result.failures[0]}`);

    await quiet(`the floor, ${fmt(users)} users`);
    log(`the floor: the same ${fmt(due.length)} pushes as raw SQL`);
    const floor = await meter(() =>
      openLoop(due, async (index) => {
        const { user } = due[index]!;
        const firstSeq = nextFloorSeq[user]!;
        nextFloorSeq[user] = firstSeq + RECORDS_PER_PUSH;
        await baseline.upsertAll(population[user]!.userId, population[user]!.deviceId, changes[index]!, RECORDS_PER_PUSH, firstSeq);
      }),
    );

    const appSummary = summarize(app.result.latencies);
    const floorSummary = summarize(floor.result.latencies);
    const serverPerPushS = app.cpu.serverS / due.length;
    const postgresPerPushS = app.cpu.postgresS / due.length;
    const pushesPerUserPerS = 1 / MEAN_INTERVAL_S;
    // A Node.js process runs its JavaScript on one core: the server's own CPU per push bounds one instance,
    // whatever the machine; server and Postgres together bound the machine.
    const instanceBound = HEADROOM / (serverPerPushS * pushesPerUserPerS);
    const machineBound = (2 * HEADROOM) / ((serverPerPushS + postgresPerPushS) * pushesPerUserPerS);
    const label = `${fmt(users)} users`;
    rows.push(
      {
        what: `${label}, one device each, a push of ${RECORDS_PER_PUSH} records about once a minute (Poisson), for ${SECONDS} s: ${fmt(due.length)} pushes, ${fmt(due.length / SECONDS, 1)} a second`,
        value: latency(appSummary),
        baseline: `the same schedule as raw SQL: ${latency(floorSummary)}`,
        ratio: `p99 = ${fmt(appSummary.p99 / floorSummary.p99, 1)} × the floor`,
        target: `p99 < ${P99_TARGET_MS} ms`,
        met: appSummary.p99 < P99_TARGET_MS,
      },
      {
        what: `${label}: server CPU per push, and the CPUs it kept busy (the run took ${fmt(app.cpu.wallS, 1)} s of wall time for ${SECONDS} s of schedule)`,
        value: `${ms(serverPerPushS * 1000)} · ${fmt(app.cpu.serverS / app.cpu.wallS, 2)} CPUs`,
        baseline: `Postgres: ${ms(postgresPerPushS * 1000)} · ${fmt(app.cpu.postgresS / app.cpu.wallS, 2)} CPUs (for the floor's SQL: ${ms((floor.cpu.postgresS / due.length) * 1000)} per push)`,
      },
      {
        what: `${label}: users at this rate that the CPU measured allows, keeping ${fmt((1 - HEADROOM) * 100)} % headroom: one server process (its JavaScript runs on one core) · this 2-CPU machine with Postgres beside it`,
        value: `${fmt(Math.min(instanceBound, machineBound))} (one process: ${fmt(instanceBound)} · the machine: ${fmt(machineBound)})`,
        baseline: `the floor's Postgres CPU alone: ${fmt((2 * HEADROOM) / ((floor.cpu.postgresS / due.length) * pushesPerUserPerS))}`,
      },
      { what: `${label}: server RSS before → after the run; peak so far (VmHWM)`, value: `${mib(rssBefore)} → ${mib(rssAfter)}; peak ${mib(server.memory().peakHwmKiB)}` },
    );
    cpuRows.push({ phase: `${label}: the server, ${fmt(due.length)} pushes over ${SECONDS} s`, ...app.cpu }, { phase: `${label}: the floor, the same pushes as raw SQL`, ...floor.cpu });
  }

  for (const users of POPULATIONS) await simulate(users);

  const machine = describeMachine(await baseline.serverVersion());
  const report = renderReport({
    date: new Date().toISOString(),
    rows,
    cpu: cpuRows,
    durationS: (Date.now() - began) / 1000,
    startupS,
    machine,
    serverRss: `${mib(server.memory().peakHwmKiB)} (VmHWM of server.js over both populations)`,
    notes: [
      `Each push is one \`sync.push\` of ${RECORDS_PER_PUSH} new ~1.5 KB encrypted records over keep-alive HTTP/1.1 with the device's bearer token, checked as the SDK checks it; the requests are encoded before the run, as that many devices would each encode their own. The populations run one after the other on the same server (${POPULATIONS.map((n) => fmt(n)).join(", then ")} users), each followed by its floor.`,
      "Latency counts from the moment a push was due, not from when it was sent: a server that falls behind is charged for the queue (no coordinated omission).",
      `The floor replays the same schedule as raw postgres.js (a pool of 2 connections; the server's pool has 10): per push, one transaction of a multi-row upsert and a history insert, as bench/lib/baseline.ts.`,
      "The users are written straight to the database with the server's own modules (users, devices with hashed tokens, cloud-sync consent): the run measures syncing, not sign-ups.",
      ...(noisy.length ? [`**The machine was shared** before: ${noisy.join("; ")}.`] : ["The rest of the machine was quiet (< 0.3 CPUs busy) before each measured phase."]),
    ],
  });
  const section = `## Scale simulation\n\nRun with \`npm run bench:scale\` (needs the Postgres server at 127.0.0.1:5432). The code is \`bench/scale.ts\`; bench/SCALING.md explains what the figures mean for a deployment.\n\n${report}`;
  process.stdout.write(`${section}\n`);
  writeSection(join(ROOT, "bench", "RESULTS.md"), "scale", section);
}

await runBench(main);
