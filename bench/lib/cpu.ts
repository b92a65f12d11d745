/**
 * Where the time goes: CPU seconds spent during a phase by this process (the
 * benchmark client), the server process, the Postgres backends serving the
 * benchmark database (found by the database name in their process title), and
 * everything else on the machine (busy time from /proc/stat minus those three):
 * other work on a shared machine shows up there instead of silently in the numbers.
 */
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux (`getconf CLK_TCK`)

export type CpuSplit = { wallS: number; clientS: number; serverS: number; postgresS: number; otherS: number };

/** Busy (non-idle, non-iowait) CPU seconds of the whole machine since boot. */
function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const busy = fields.slice(0, 8).reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
  return busy / CLOCK_TICKS_PER_S;
}

function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S; // utime + stime
  } catch {
    return 0; // gone
  }
}

function backendsOf(database: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const title = readFileSync(`/proc/${entry}/cmdline`, "utf8");
        return title.startsWith("postgres: ") && title.includes(` ${database} `);
      } catch {
        return false;
      }
    })
    .map(Number);
}

type Snapshot = { at: number; machine: number; client: number; server: number; postgres: Map<number, number> };

export function createCpuMeter(serverPid: () => number | undefined, database: string) {
  const snapshot = (): Snapshot => {
    const usage = process.cpuUsage();
    const pid = serverPid();
    return {
      at: performance.now(),
      machine: machineBusySeconds(),
      client: (usage.user + usage.system) / 1e6,
      server: pid === undefined ? 0 : cpuSecondsOf(pid),
      postgres: new Map(backendsOf(database).map((backend) => [backend, cpuSecondsOf(backend)])),
    };
  };

  /** Runs `task` and returns its result with the CPU each side spent meanwhile. */
  return async function measure<T>(task: () => Promise<T>): Promise<Measured<T>> {
    const before = snapshot();
    const result = await task();
    const after = snapshot();
    let postgres = 0;
    for (const [backend, seconds] of after.postgres) postgres += seconds - (before.postgres.get(backend) ?? 0);
    const clientS = after.client - before.client;
    const serverS = after.server - before.server;
    const otherS = Math.max(0, after.machine - before.machine - clientS - serverS - postgres);
    return { result, cpu: { wallS: (after.at - before.at) / 1000, clientS, serverS, postgresS: postgres, otherS } };
  };
}

export type CpuMeter = ReturnType<typeof createCpuMeter>;

/** A measured task's result and the CPU each side spent on it. */
export type Measured<T> = { result: T; cpu: CpuSplit };

/**
 * Waits (at most `maxWaitS`) until the rest of the machine is quiet: busy CPU over a
 * 2-second window below `threshold` CPUs while the benchmark itself is idle. Other
 * work on a shared machine would otherwise land in the measurement. Returns whether
 * it got quiet and how long it waited.
 */
export async function waitForQuiet(maxWaitS = 60, threshold = 0.3): Promise<{ quiet: boolean; waitedS: number; busyCpus: number }> {
  const started = performance.now();
  let busyCpus = Number.POSITIVE_INFINITY;
  while (performance.now() - started < maxWaitS * 1000) {
    const before = machineBusySeconds();
    const clientBefore = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const client = process.cpuUsage(clientBefore);
    busyCpus = (machineBusySeconds() - before - (client.user + client.system) / 1e6) / 2;
    if (busyCpus < threshold) return { quiet: true, waitedS: (performance.now() - started) / 1000, busyCpus };
  }
  return { quiet: false, waitedS: (performance.now() - started) / 1000, busyCpus };
}
