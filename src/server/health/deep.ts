import { hasMetricsToken, isOperator } from "../auth/operator";
import { getDatabaseHandle, type DatabaseHandle } from "../db/client";
import { migrationStatus, type MigrationStatus } from "../db/migrate";
import { emailCircuitReport } from "../email/breakers";
import { configuredEmailProviders } from "../email/send";
import type { Env } from "../env";
import { providers, registeredProviderIds } from "../integrations/registry";
import { circuitState } from "../integrations/resilience";
import { jobModeOf } from "../jobs/client";
import { jobBacklog, type JobBacklog } from "../jobs/runs";
import { getPusherTransport } from "../realtime/pusher";
import { openRealtimeStreamCount } from "../realtime/user-events";
import { outboundState, type OutboundState } from "./outbound";
import { checkHealth, failureMessage, probeDatabase } from "./check-health";

/**
 * GET /api/health/deep: what an operator needs to see at a glance, for this instance. Unlike
 * /api/health (cheap, public, for load balancers) it queries the job tables and reads the journal,
 * so it is behind METRICS_TOKEN or an operator's sign-in. Never a secret: URLs are shown without
 * credentials, errors are redacted, and no variable's value is echoed.
 */

/** Due work older than this means no instance is keeping up. */
export const JOBS_BEHIND_AFTER_MS = 5 * 60 * 1000;

type Failure = { message: string; at: Date } | null;

export type DeepHealth = {
  /** ok; degraded (serving, but something needs a look: see `problems`); error (the database is unreachable: 503). */
  status: "ok" | "degraded" | "error";
  problems: string[];
  checkedAt: Date;
  database: { status: "ok"; driver: DatabaseHandle["driver"]; latencyMs: number } | { status: "error"; reason: string };
  migrations: MigrationStatus | { error: string } | null;
  jobs:
    | { engine: "in-process"; backlog: JobBacklog | { error: string } | null }
    | { engine: "inngest"; server: string; runs: Pick<JobBacklog, "running" | "failedLast24h"> | { error: string } | null; backlog: string; sending: OutboundState };
  realtime: { transport: "local" | "pusher"; server?: string; openStreams: number; publishing?: OutboundState };
  providers: {
    email: { provider: string; circuit: "closed" | "half-open" | "open"; lastError: Failure }[];
    integrations: { provider: string; circuit: "closed" | "open"; failures: number; openUntil: Date | null; lastError: Failure }[];
  };
};

export type DeepHealthDeps = { env: Env; openDatabase?: () => Promise<Pick<DatabaseHandle, "db" | "driver">>; now?: () => Date };

/** A URL to show: its origin only (no credentials, path or query). */
const originOf = (url: string) => new URL(url).origin;

/** Runs `check`, turning a failure into a redacted `{ error }` instead of failing the whole report. */
async function section<T>(check: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await check();
  } catch (error) {
    return { error: failureMessage(error) };
  }
}

const failed = (value: unknown): value is { error: string } => typeof value === "object" && value !== null && "error" in value;

function inngestServer(env: Env): string {
  if (env.INNGEST_DEV) return /^https?:/.test(env.INNGEST_DEV) ? `Inngest dev server at ${originOf(env.INNGEST_DEV)}` : "Inngest dev server";
  return env.INNGEST_BASE_URL ? `self-hosted Inngest at ${originOf(env.INNGEST_BASE_URL)}` : "Inngest Cloud";
}

function realtimeReport(): DeepHealth["realtime"] {
  const openStreams = openRealtimeStreamCount();
  const pusher = getPusherTransport()?.settings;
  if (!pusher) return { transport: "local", openStreams };
  const server = pusher.host ? `${pusher.useTLS ? "https" : "http"}://${pusher.host}${pusher.port ? `:${pusher.port}` : ""}` : `Pusher Channels (cluster ${pusher.cluster})`;
  // Pusher carries browsers' events; devices on server-sent events still hold streams here.
  return { transport: "pusher", server, openStreams, publishing: outboundState("pusher") };
}

function providersReport(env: Env): DeepHealth["providers"] {
  const integrations = registeredProviderIds
    .filter((id) => providers[id].configuration(env, "").ok)
    .map((id) => {
      const { open, failures, openUntil, lastError } = circuitState(id);
      return { provider: id, circuit: open ? ("open" as const) : ("closed" as const), failures, openUntil, lastError };
    });
  return { email: emailCircuitReport(env, configuredEmailProviders(env)), integrations };
}

export async function checkDeepHealth({ env, openDatabase = getDatabaseHandle, now = () => new Date() }: DeepHealthDeps): Promise<DeepHealth> {
  const checkedAt = now();
  const problems: string[] = [];
  const engine = jobModeOf(env);
  const probe = await probeDatabase(openDatabase);
  const database: DeepHealth["database"] =
    probe.status === "ok" ? { status: "ok", driver: probe.opened.driver, latencyMs: probe.latencyMs } : { status: "error", reason: probe.reason };
  if (database.status === "error") problems.push(database.reason);
  const db = probe.status === "ok" ? probe.opened.db : undefined;
  const [migrations, backlog] = await Promise.all([db ? section(() => migrationStatus(db)) : null, db ? section(() => jobBacklog(db, checkedAt)) : null]);

  if (failed(migrations)) problems.push(`migrations: ${migrations.error}`);
  else if (migrations?.pending.length) problems.push(`${migrations.pending.length} migration(s) not applied: ${migrations.pending.join(", ")}`);
  if (migrations && !failed(migrations) && migrations.unknown > 0) problems.push(`the database has ${migrations.unknown} migration(s) this build does not know: it was migrated by a newer build`);
  if (failed(backlog)) problems.push(`jobs: ${backlog.error}`);
  else if (engine === "in-process" && backlog?.oldestDueAt && checkedAt.getTime() - backlog.oldestDueAt.getTime() > JOBS_BEHIND_AFTER_MS) {
    problems.push(`background jobs are behind: ${backlog.due} run(s) due, the oldest since ${backlog.oldestDueAt.toISOString()}`);
  }
  const realtime = realtimeReport();
  const jobSending = engine === "inngest" ? outboundState("inngest") : undefined;
  const outbound = [
    { what: "Pusher has refused or not answered every realtime event", state: realtime.publishing },
    { what: "Inngest has refused or not answered every job event", state: jobSending },
  ];
  for (const { what, state } of outbound) {
    if (state?.status === "failing") problems.push(`${what} this instance sent since ${state.failingSince!.toISOString()}: ${state.lastError!.message}`);
  }
  const providerStates = providersReport(env);
  for (const { provider, circuit } of [...providerStates.email, ...providerStates.integrations]) {
    if (circuit !== "closed") problems.push(`${provider}: circuit ${circuit}`);
  }

  return {
    status: database.status === "error" ? "error" : problems.length ? "degraded" : "ok",
    problems,
    checkedAt,
    database,
    migrations,
    jobs:
      engine === "in-process"
        ? { engine, backlog }
        : {
            engine,
            server: inngestServer(env),
            runs: backlog && !failed(backlog) ? { running: backlog.running, failedLast24h: backlog.failedLast24h } : backlog,
            // Inngest holds the queue; this server only records the runs it was called for.
            backlog: "kept by Inngest: see its dashboard (Inngest Cloud, or port 8288 of a self-hosted server)",
            sending: jobSending!,
          },
    realtime,
    providers: providerStates,
  };
}

const noStore = { "cache-control": "no-store" };

/**
 * Who may read it: `Authorization: Bearer <METRICS_TOKEN>`, or a signed-in operator (OPERATOR_EMAILS).
 * Off (404, as if absent) when neither is configured. 200 while the database answers, 503 when it does not.
 */
export async function deepHealthResponse(request: Request, env: Env, signedInUser: () => Promise<{ email: string } | null>, deps: Omit<DeepHealthDeps, "env"> = {}): Promise<Response> {
  if (!env.METRICS_TOKEN && env.OPERATOR_EMAILS.length === 0) return new Response("Not found\n", { status: 404 });
  if (!hasMetricsToken(request, env)) {
    let user: { email: string } | null = null;
    if (env.OPERATOR_EMAILS.length > 0) {
      try {
        user = await signedInUser();
      } catch (error) {
        // Who is asking is known from the database: without it, answer what /api/health tells anyone.
        const health = await checkHealth(() => (deps.openDatabase ?? getDatabaseHandle)().then((opened) => opened.db));
        if (health.status === "ok") throw error;
        return Response.json(health, { status: 503, headers: noStore });
      }
    }
    if (!user) {
      return Response.json(
        { error: "Sign in as an operator, or send Authorization: Bearer <METRICS_TOKEN>." },
        { status: 401, headers: { ...noStore, "WWW-Authenticate": 'Bearer realm="health"' } },
      );
    }
    if (!isOperator(user, env)) return Response.json({ error: "Only operators (OPERATOR_EMAILS) may read the deep health report." }, { status: 403, headers: noStore });
  }
  const report = await checkDeepHealth({ env, ...deps });
  return Response.json(report, { status: report.status === "error" ? 503 : 200, headers: noStore });
}
