import type { Db } from "../db/client";
import { pingDatabase } from "../db/client";
import { redactText } from "../logger";

export type Health = { status: "ok"; db: "ok" } | { status: "error"; db: "error"; reason: string };

export async function checkHealth(openDb: () => Promise<Db>): Promise<Health> {
  try {
    await pingDatabase(await openDb());
    return { status: "ok", db: "ok" };
  } catch (error) {
    return { status: "error", db: "error", reason: `database unreachable: ${redactText(rootCauseMessage(error))}` };
  }
}

/** drizzle wraps driver errors in "Failed query: …"; the driver's own message says what is wrong. */
export function rootCauseMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** 200 with `{"status":"ok","db":"ok"}`, or 503 with the reason, never cached. */
export async function healthResponse(openDb: () => Promise<Db>): Promise<Response> {
  const health = await checkHealth(openDb);
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
