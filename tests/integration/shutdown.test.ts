import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../bench/lib/database";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * SIGTERM with work in flight, against a real process: tests/support/shutdown-server.ts runs the app's
 * shutdown (src/server/shutdown.ts) in front of the real tRPC route handler on a node:http server
 * rather than `next start` (a production build costs a minute of a shared core; the handlers and
 * the shutdown code are the same, see that file's header). With a realtime stream open, a slow
 * request and a background step running, SIGTERM must: refuse new connections, let the request and
 * the step finish, end the stream with a reconnect event and a `retry:` hint, close the database,
 * and exit 0 within SHUTDOWN_GRACE_MS.
 */

const GRACE_MS = 8_000;
const SLOW_MS = 1_500;
const STEP_MS = 1_500;
const serverDatabaseUrl = workerDatabaseUrl();

type Milestone = Record<string, unknown>;

let child: ChildProcessByStdio<null, Readable, Readable>;
let dropDatabase: () => Promise<void> = async () => {};
const dataDir = mkdtempSync(join(tmpdir(), "devpulse-shutdown-"));
const milestones: Milestone[] = [];
const logs: { msg: string; at: number }[] = [];
let stderr = "";
let exited: Promise<{ code: number | null; at: number }>;

function milestone<T = Milestone>(key: string, timeoutMs = 90_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const look = () => {
      const found = milestones.find((entry) => key in entry);
      if (found) return resolve(found[key] as T);
      if (Date.now() > deadline) return reject(new Error(`no "${key}" from the server within ${timeoutMs} ms: ${stderr.slice(-2000)}`));
      setTimeout(look, 20);
    };
    look();
  });
}

beforeAll(async () => {
  const database = serverDatabaseUrl ? await createTestDatabase(serverDatabaseUrl, "shutdown") : null;
  if (database) dropDatabase = database.drop;
  child = spawn(process.execPath, ["--import", "tsx", "tests/support/shutdown-server.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      APP_URL: "http://localhost:3000",
      DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : { PGLITE_DIR: "memory://" }),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      SLOW_MS: String(SLOW_MS),
      STEP_MS: String(STEP_MS),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  exited = new Promise((resolve) => child.on("exit", (code) => resolve({ code, at: Date.now() })));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const parsed = JSON.parse(line) as { harness?: Milestone; msg?: string };
    if (parsed.harness) milestones.push(parsed.harness);
    else if (parsed.msg) logs.push({ msg: parsed.msg, at: Date.now() });
  });
}, 120_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Reads an event stream as text, chunk by chunk, until it ends. */
function readStream(body: ReadableStream<Uint8Array>) {
  let text = "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const ended = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
  })();
  return { text: () => text, ended };
}

const tryToConnect = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

describe("graceful shutdown on SIGTERM", () => {
  it("finishes the request and the step in flight, ends the stream with a reconnect hint, closes the database, exits 0 in time", { timeout: 150_000 }, async () => {
    const { url, authorization } = await milestone<{ url: string; authorization: string }>("ready");
    const port = Number(new URL(url).port);

    // A device's realtime stream (the in-process transport), open and confirmed by tRPC's first event.
    const streamResponse = await fetch(`${url}/api/trpc/realtime.events`, { headers: { authorization, accept: "text/event-stream" } });
    expect(streamResponse.status).toBe(200);
    const stream = readStream(streamResponse.body!);
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stream so far: ${stream.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(() => stream.text().includes("event: connected"), "the stream to connect");

    // A background step and a slow request, both under way when the signal comes.
    expect((await fetch(`${url}/start-step`, { method: "POST" })).status).toBe(200);
    await milestone("step");
    const slow = fetch(`${url}/slow`).then(async (response) => ({ status: response.status, body: await response.text(), at: Date.now() }));
    await milestone("slow");

    const signalledAt = Date.now();
    child.kill("SIGTERM");
    await until(() => logs.some((line) => line.msg.startsWith("stopping")), "the server to start stopping");

    // 1. No new connections.
    expect(await tryToConnect(port)).toBe("ECONNREFUSED");

    // 2. The request in flight completes, after the signal, with the database still open.
    const answered = await slow;
    expect(answered).toMatchObject({ status: 200, body: "slow done" });
    expect(answered.at).toBeGreaterThan(signalledAt);

    // 3. The stream ends with tRPC's reconnect event (SERVICE_UNAVAILABLE is one its clients retry) and an SSE retry delay.
    await stream.ended;
    const tail = stream.text().slice(stream.text().indexOf("event: connected"));
    const final = /event: serialized-error\ndata: ([^\n]*)\n/.exec(tail)?.[1] ?? "";
    expect(final, tail).toContain('"code":"SERVICE_UNAVAILABLE"');
    expect(final).toContain("DevPulse is restarting: reconnect");
    const retry = /\nretry: (\d+)\n\n$/.exec(tail);
    expect(retry, tail).not.toBeNull();
    expect(Number(retry![1])).toBeGreaterThanOrEqual(1000);
    expect(Number(retry![1])).toBeLessThanOrEqual(3000);

    // 4. The step finished, then the database closed, then the process exited 0 — within the grace period.
    const exit = await exited;
    expect(exit.code, stderr).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(GRACE_MS);
    expect(milestones.map((entry) => Object.keys(entry)[0])).toEqual(["ready", "step", "slow", "step", "exit"]);
    expect(milestones.at(-2)).toEqual({ step: "finished" });
    expect(milestones.at(-1)).toEqual({ exit: { code: 0, dbClosed: true } });
    const order = ["signal received", "stopping: finishing requests and background steps", "database closed"];
    expect(logs.map((line) => line.msg).filter((msg) => order.includes(msg))).toEqual(order);
  });
});
