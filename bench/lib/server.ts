/**
 * Starts the production server (`node scripts/start.mjs`, which builds when the
 * sources changed and then runs `.next/standalone/server.js`) as a child process,
 * waits until it is healthy, samples the memory of the real server process (the
 * grandchild running server.js) and stops the whole process group at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export type RunningServer = {
  url: string;
  /** Milliseconds from spawn until /api/health answered 200 (includes a build, if one ran). */
  startupMs: number;
  memory: () => MemorySample;
  stop: () => Promise<void>;
  /** SIGKILL to the whole process group, as a crash or an OOM kill would end it; resolves once it has exited. */
  kill: () => Promise<void>;
};

export type MemorySample = {
  serverPid: number | undefined;
  /** Largest VmRSS seen by the sampler, summed over server.js and its descendants (KiB). */
  peakRssKiB: number;
  /** The kernel's own high-water mark of server.js (VmHWM, KiB): its true peak, even between samples. */
  peakHwmKiB: number;
  /** VmRSS when the server first answered /api/health (KiB). */
  startRssKiB: number;
};

/** The first port from `preferred` upwards that nothing listens on. */
export async function findFreePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 100; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once("error", () => resolve(false))
        .once("listening", () => probe.close(() => resolve(true)))
        .listen(port, "0.0.0.0");
    });
    if (free) return port;
  }
  throw new Error(`No free port in ${preferred}–${preferred + 99}`);
}

// ───────────────────────────── /proc helpers ─────────────────────────────

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined; // the process is gone
  }
}

/** Every process's parent, from field 4 of /proc/<pid>/stat (after the "(comm)"). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(Number(entry), "stat");
    if (!stat) continue;
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  return children;
}

/**
 * All descendants of `pid`. /proc/<pid>/task/*\/children is used when the kernel
 * has it (CONFIG_PROC_CHILDREN); otherwise one scan of /proc gives every parent.
 */
function descendantsOf(pid: number): number[] {
  let scanned: Map<number, number[]> | undefined;
  const childrenOf = (parent: number): number[] => {
    try {
      return readdirSync(`/proc/${parent}/task`).flatMap((task) =>
        readFileSync(`/proc/${parent}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
      );
    } catch {
      scanned ??= parentMap();
      return scanned.get(parent) ?? [];
    }
  };
  const walk = (parent: number): number[] => childrenOf(parent).flatMap((child) => [child, ...walk(child)]);
  return walk(pid);
}

/** A process's VmRSS (current) or VmHWM (its peak so far) in KiB; 0 when it is gone. */
export function statusKiB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readProc(pid, "status") ?? "");
  return match ? Number(match[1]) : 0;
}

function findServerPid(rootPid: number): number | undefined {
  return descendantsOf(rootPid).find((pid) => (readProc(pid, "cmdline") ?? "").includes(join(".next", "standalone", "server.js")));
}

function createMemorySampler(rootPid: number, intervalMs = 100) {
  const sample: MemorySample = { serverPid: undefined, peakRssKiB: 0, peakHwmKiB: 0, startRssKiB: 0 };
  const tick = () => {
    sample.serverPid ??= findServerPid(rootPid);
    const pid = sample.serverPid;
    if (pid === undefined) return;
    const tree = [pid, ...descendantsOf(pid)];
    const rss = tree.reduce((sum, member) => sum + statusKiB(member, "VmRSS"), 0);
    sample.peakRssKiB = Math.max(sample.peakRssKiB, rss);
    sample.peakHwmKiB = Math.max(sample.peakHwmKiB, statusKiB(pid, "VmHWM"));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    tick,
    markStart() {
      tick();
      if (sample.serverPid !== undefined) sample.startRssKiB = statusKiB(sample.serverPid, "VmRSS");
    },
    stop() {
      tick();
      clearInterval(timer);
    },
    read: (): MemorySample => ({ ...sample }),
  };
}

// ───────────────────────────── start / stop ─────────────────────────────

function forwardOutput(child: ChildProcess, onLine?: (line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (!line.trim()) continue;
        process.stderr.write(`  [server] ${line}\n`);
        onLine?.(line);
      }
    });
  }
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited (${child.exitCode ?? child.signalCode}) before it became healthy`);
    }
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      lastError = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`The server did not become healthy within ${timeoutMs / 1000} s (${lastError})`);
}

/**
 * The production server on a Postgres server requires the secrets its instances share
 * (src/server/env.ts): a benchmark run gets throwaway ones unless the caller passes its own.
 */
function throwawaySecrets(): Record<string, string> {
  const random = () => randomBytes(32).toString("base64");
  return { NEXTAUTH_SECRET: random(), WEBHOOK_SECRET: random(), TOKEN_ENCRYPTION_KEY: random() };
}

/** `onLine` hears every line the server prints (its log), as it prints it. */
export async function startServer(options: { root: string; port: number; env: Record<string, string>; timeoutMs?: number; onLine?: (line: string) => void }): Promise<RunningServer> {
  const url = `http://localhost:${options.port}`;
  const started = Date.now();
  // Its own process group, so stop() also reaches a `next build` spawned by start.mjs.
  const child = spawn(process.execPath, [join(options.root, "scripts", "start.mjs")], {
    cwd: options.root,
    env: { ...throwawaySecrets(), ...process.env, ...options.env, PORT: String(options.port), APP_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  forwardOutput(child, options.onLine);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const sampler = createMemorySampler(child.pid!);

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    sampler.stop();
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) {
      signalGroup("SIGKILL");
      await exited;
    }
  };

  try {
    await waitForHealth(url, child, options.timeoutMs ?? 10 * 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  sampler.markStart();
  if (sampler.read().serverPid === undefined) process.stderr.write("  warning: could not find the server.js process; RSS will read 0\n");
  const kill = async () => {
    sampler.stop();
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup("SIGKILL");
    await exited;
  };
  return { url, startupMs: Date.now() - started, memory: sampler.read, stop, kill };
}
