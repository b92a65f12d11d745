import { performance } from "node:perf_hooks";
import type { Db } from "../db/client";
import { pingDatabase } from "../db/client";
import { redactText } from "../logger";

export type Health = { status: "ok"; db: "ok" } | { status: "error"; db: "error"; reason: string };

/** What one round trip to the database says: how long it took, or (redacted) why there was none. */
export type DatabaseProbe<Opened> = { status: "ok"; opened: Opened; latencyMs: number } | { status: "error"; reason: string };

/**
 * Opens the database (`open` may also migrate it, as on first use) and times a `select 1`. The one
 * place /api/health and /api/health/deep decide whether the database answers and say why not.
 */
export async function probeDatabase<Opened extends { db: Db }>(open: () => Promise<Opened>): Promise<DatabaseProbe<Opened>> {
  try {
    const opened = await open();
    const started = performance.now();
    await pingDatabase(opened.db);
    return { status: "ok", opened, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { status: "error", reason: `database unreachable: ${failureMessage(error)}` };
  }
}

export async function checkHealth(openDb: () => Promise<Db>): Promise<Health> {
  const probe = await probeDatabase(async () => ({ db: await openDb() }));
  return probe.status === "ok" ? { status: "ok", db: "ok" } : { status: "error", db: "error", reason: probe.reason };
}

/**
 * What a failed check shows: the root cause, redacted. drizzle wraps driver errors in
 * "Failed query: …"; the driver's own message says what is wrong.
 */
export function failureMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return redactText(current instanceof Error ? current.message : String(current));
}

/** 200 with `{"status":"ok","db":"ok"}`, or 503 with the reason, never cached. */
export async function healthResponse(openDb: () => Promise<Db>): Promise<Response> {
  const health = await checkHealth(openDb);
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
