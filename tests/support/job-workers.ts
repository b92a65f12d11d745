/**
 * Starts, talks to and kills job-worker.ts child processes (see its header for the protocol).
 * Every child started here is remembered until it exits, so `killAllWorkers()` in afterAll
 * leaves nothing running even when a test failed half-way.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { JobEvent } from "~/server/jobs/events";

/** The user the user-scoped test events name (job_events.user_id references users); the worker creates it. */
export const WORKER_USER_ID = "00000000-0000-4000-8000-00000000d0b5";
/** The sleeper job: its first step takes BEFORE_STEP_MS, then it sleeps SLEEP_MS. */
export const SLEEP_MS = 5_000;
export const BEFORE_STEP_MS = 1_500;
export const DEBOUNCE_MS = 2_000;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = join(ROOT, "tests/support/job-worker.ts");

export type Effect = { run_key: string; step: string; value: string | null; at: number };
export type RunRow = {
  run_id: string;
  function_id: string;
  status: string;
  attempt: number;
  /** The trigger event as the engine stored it. */
  event: { name: string; data: Record<string, unknown>; id?: string; ts?: number } | null;
  lease_owner: string | null;
  next_at: number | null;
  lease_until: number | null;
  finished_at: number | null;
};
export type Exit = { code: number | null; signal: NodeJS.Signals | null; at: number };

export type WorkerOptions = {
  /** Either { DATABASE_URL } or { PGLITE_DIR }. */
  database: { DATABASE_URL: string } | { PGLITE_DIR: string };
  id: string;
  gateDir: string;
  leaseMs?: number;
  pollMs?: number;
  retryDelayMs?: number;
  maxParallel?: number;
  cron?: boolean;
};

const live = new Set<JobWorker>();

export class JobWorker {
  readonly exited: Promise<Exit>;
  private readonly pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private stderr = "";
  private exit: Exit | undefined;

  constructor(
    readonly id: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
  ) {
    live.add(this);
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolveExit) => {
      child.on("exit", (code, signal) => {
        live.delete(this);
        this.exit = { code, signal, at: Date.now() };
        for (const { reject } of this.pending.values()) reject(new Error(`worker ${id} exited (${signal ?? code}) ${this.stderr}`));
        this.pending.clear();
        resolveExit(this.exit);
      });
    });
  }

  get pid() {
    return this.child.pid!;
  }

  /** Resolves once the worker printed "ready" (its runner started). */
  ready(timeoutMs = 90_000): Promise<void> {
    return new Promise((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.id} not ready after ${timeoutMs} ms: ${this.stderr}`)), timeoutMs);
      const lines = createInterface({ input: this.child.stdout });
      let isReady = false;
      lines.on("line", (line) => {
        if (!isReady) {
          if (line.trim() === "ready") {
            isReady = true;
            clearTimeout(timer);
            resolveReady();
          }
          return;
        }
        if (!line.startsWith("{")) return;
        const message = JSON.parse(line) as { id: number; error?: string };
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`worker ${this.id}: ${message.error}`));
        else waiter?.resolve(message);
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        if (!isReady) reject(new Error(`worker ${this.id} exited (${exit.signal ?? exit.code}) before it was ready: ${this.stderr}`));
      });
    });
  }

  private request(command: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exit) return Promise.reject(new Error(`worker ${this.id} has exited`));
    const id = this.nextId++;
    return new Promise((resolveRequest, reject) => {
      this.pending.set(id, { resolve: resolveRequest, reject });
      this.child.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  /** Dispatches through the worker's runner; resolves once the events are accepted (durably). */
  async send(events: JobEvent[]): Promise<string[]> {
    return (await this.request({ send: events })).ids as string[];
  }

  async effects(): Promise<Effect[]> {
    return (await this.request({ effects: true })).effects as Effect[];
  }

  async runs(): Promise<RunRow[]> {
    return (await this.request({ runs: true })).runs as RunRow[];
  }

  /** Sends `signal` and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<Exit> {
    if (!this.exit) this.child.kill(signal);
    return this.exited;
  }
}

export async function startWorker(options: WorkerOptions): Promise<JobWorker> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: "test",
    LOG_LEVEL: "error",
    APP_URL: "http://localhost:3000",
    DATA_DIR: mkdtempSync(join(tmpdir(), "devpulse-worker-data-")),
    ...options.database,
    WORKER_ID: options.id,
    WORKER_GATE_DIR: options.gateDir,
    WORKER_LEASE_MS: String(options.leaseMs ?? 2_000),
    WORKER_POLL_MS: String(options.pollMs ?? 200),
    WORKER_RETRY_DELAY_MS: String(options.retryDelayMs ?? 3_000),
    WORKER_MAX_PARALLEL: String(options.maxParallel ?? 10),
    WORKER_CRON: options.cron ? "1" : "0",
  };
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  const worker = new JobWorker(options.id, child);
  await worker.ready();
  return worker;
}

/** Kills (-9) every worker still running: for afterAll, whatever happened in the tests. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill("SIGKILL")));
}
