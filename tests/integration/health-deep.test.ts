import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { GET } from "~/app/api/health/deep/route";
import { getDb } from "~/server/db/client";
import { jobRuns } from "~/server/db/schema";
import { breakerFor } from "~/server/email/breakers";
import { EmailProviderError } from "~/server/email/provider";
import { getEnv, parseEnv } from "~/server/env";
import { checkDeepHealth, deepHealthResponse, type DeepHealth } from "~/server/health/deep";
import { ProviderError, RESILIENCE, resetCircuits, withCircuitBreaker } from "~/server/integrations/resilience";
import { publishSafely } from "~/server/realtime/publisher";
import { switchPusherTransport } from "~/server/realtime/pusher";
import { anonymousCaller, callerFor, sessionCookieFor, TEST_PASSWORD, uniqueEmail } from "../support/callers";
import { useEnv } from "../support/env";
import { until } from "../support/until";

const TOKEN = "deep-health-token-0123456789abcdef";
const OPERATOR = uniqueEmail("operator");
const SMTP_PASSWORD = "hunter2-smtp-password";
useEnv(() => ({
  METRICS_TOKEN: TOKEN,
  OPERATOR_EMAILS: `someone-else@example.test, ${OPERATOR.toUpperCase()}`,
  // A cool-down of this file's own: the email breaker it opens is not the one other files send through.
  EMAIL_CIRCUIT_COOLDOWN_MS: "987654",
  GITHUB_CLIENT_ID: "deep-health-client",
  GITHUB_CLIENT_SECRET: "deep-health-client-secret",
}));

const request = (headers: Record<string, string> = {}) => new Request("http://localhost/api/health/deep", { headers });
const read = async (response: Response) => ({ status: response.status, body: (await response.json()) as DeepHealth & { error?: string } });
const asToken = async () => read(await GET(request({ authorization: `Bearer ${TOKEN}` })));

const journal = () => JSON.parse(readFileSync(join(process.cwd(), "drizzle", "meta", "_journal.json"), "utf8")) as { entries: { idx: number; tag: string; when: number }[] };

afterAll(() => resetCircuits());

describe("/api/health/deep: who may read it", () => {
  it("is off (404) unless METRICS_TOKEN or OPERATOR_EMAILS is set", async () => {
    const off = parseEnv({});
    expect((await deepHealthResponse(request({ authorization: `Bearer ${TOKEN}` }), off, async () => null)).status).toBe(404);
  });

  it("answers the metrics token, refuses a wrong one or none with 401", async () => {
    expect((await asToken()).status).toBe(200);
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
      const response = await GET(request(headers));
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("answers a signed-in operator (OPERATOR_EMAILS, any case) and refuses any other account with 403", async () => {
    const anonymous = await anonymousCaller();
    const operator = await anonymous.auth.register({ email: OPERATOR, password: TEST_PASSWORD, name: "operator" });
    const other = await anonymous.auth.register({ email: uniqueEmail("not-operator"), password: TEST_PASSWORD, name: "other" });
    const asOperator = await GET(request({ cookie: await sessionCookieFor(operator) }));
    expect(asOperator.status).toBe(200);
    expect(((await asOperator.json()) as DeepHealth).database.status).toBe("ok");
    const asOther = await GET(request({ cookie: await sessionCookieFor(other) }));
    expect(asOther.status).toBe(403);
    expect(await asOther.json()).toEqual({ error: expect.stringContaining("OPERATOR_EMAILS") });
  });

  it("without a database cannot tell who signs in: 503 with what /api/health says, never the report", async () => {
    const down = { openDatabase: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")) };
    const response = await deepHealthResponse(request({ cookie: "next-auth.session-token=x" }), getEnv(), () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")), down);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "error", db: "error", reason: "database unreachable: connect ECONNREFUSED 127.0.0.1:1" });
  });
});

describe("/api/health/deep: the report", () => {
  it("times the database, and compares applied migrations with the build's journal", async () => {
    const { status, body } = await asToken();
    expect(status).toBe(200);
    expect(body.database).toEqual({ status: "ok", driver: process.env.DATABASE_URL ? "postgres" : "pglite", latencyMs: expect.any(Number) });
    const entries = journal().entries;
    expect(body.migrations).toEqual({ available: entries.length, applied: entries.length, pending: [], latest: entries.at(-1)!.tag, unknown: 0 });
  });

  it("says which migrations a build carries that the database lacks, and which it does not know", async () => {
    const folder = mkdtempSync(join(tmpdir(), "devpulse-migrations-"));
    const previous = process.env.MIGRATIONS_DIR;
    try {
      cpSync(join(process.cwd(), "drizzle"), folder, { recursive: true });
      const { entries } = journal();
      const write = (list: typeof entries) => writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal(), entries: list }));
      process.env.MIGRATIONS_DIR = folder;
      write([...entries, { ...entries.at(-1)!, idx: entries.length, when: Date.now(), tag: "9999_newer_build" }]);
      let report = await checkDeepHealth({ env: getEnv() });
      expect(report.migrations).toMatchObject({ available: entries.length + 1, applied: entries.length, pending: ["9999_newer_build"], unknown: 0 });
      expect(report.status).toBe("degraded");
      expect(report.problems).toContain("1 migration(s) not applied: 9999_newer_build");
      write(entries.slice(0, -1));
      report = await checkDeepHealth({ env: getEnv() });
      expect(report.migrations).toMatchObject({ available: entries.length - 1, pending: [], latest: entries.at(-2)!.tag, unknown: 1 });
      expect(report.problems.join("\n")).toMatch(/migrated by a newer build/);
    } finally {
      if (previous === undefined) delete process.env.MIGRATIONS_DIR;
      else process.env.MIGRATIONS_DIR = previous;
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("counts the embedded engine's backlog by state, what is overdue and since when, and recent failures", async () => {
    const db = await getDb();
    const before = (await checkDeepHealth({ env: getEnv() })).jobs;
    expect(before.engine).toBe("in-process");
    const backlogBefore = (before as { backlog: { queued: number; due: number; sleeping: number; failedLast24h: number } }).backlog;
    // A job no runner knows, so nothing here picks these rows up.
    const functionId = `deep-health-${randomUUID()}`;
    const overdueSince = new Date(Date.now() - 10 * 60_000);
    const row = (status: "queued" | "sleeping" | "failed", extra: Partial<typeof jobRuns.$inferInsert>) => ({ runId: randomUUID(), functionId, eventName: "test/deep-health", status, ...extra });
    const runs = [
      row("queued", { nextAt: overdueSince }),
      row("sleeping", { nextAt: new Date(Date.now() + 60 * 60_000) }),
      row("failed", { finishedAt: new Date(Date.now() - 60 * 60_000), error: "boom" }),
      row("failed", { finishedAt: new Date(Date.now() - 48 * 60 * 60_000), error: "long ago" }),
    ];
    await db.insert(jobRuns).values(runs);
    try {
      const report = await checkDeepHealth({ env: getEnv() });
      if (report.jobs.engine !== "in-process" || !report.jobs.backlog || "error" in report.jobs.backlog) throw new Error(JSON.stringify(report.jobs));
      const backlog = report.jobs.backlog;
      expect(backlog.queued - backlogBefore.queued).toBe(1);
      expect(backlog.sleeping - backlogBefore.sleeping).toBe(1);
      expect(backlog.due - backlogBefore.due).toBe(1);
      expect(backlog.failedLast24h - backlogBefore.failedLast24h).toBe(1);
      expect(backlog.oldestDueAt!.getTime()).toBeLessThanOrEqual(overdueSince.getTime());
      expect(report.status).toBe("degraded");
      expect(report.problems.join("\n")).toMatch(/background jobs are behind: \d+ run\(s\) due, the oldest since/);
    } finally {
      await db.delete(jobRuns).where(inArray(jobRuns.runId, runs.map((run) => run.runId)));
    }
  });

  it("on Inngest, names the server (never its credentials) and says the queue is Inngest's", async () => {
    const env = parseEnv({ ...process.env, INNGEST_EVENT_KEY: "evt-key-secret", INNGEST_SIGNING_KEY: "signkey-prod-abcdef", INNGEST_BASE_URL: "http://admin:s3cret@inngest:8288/base" });
    const report = await checkDeepHealth({ env });
    expect(report.jobs).toMatchObject({ engine: "inngest", server: "self-hosted Inngest at http://inngest:8288", runs: { running: expect.any(Number), failedLast24h: expect.any(Number) } });
    expect((report.jobs as { backlog: string }).backlog).toMatch(/kept by Inngest/);
    expect(JSON.stringify(report)).not.toMatch(/s3cret|evt-key-secret|signkey-prod-abcdef/);
    expect((await checkDeepHealth({ env: parseEnv({ ...process.env, INNGEST_EVENT_KEY: "evt", INNGEST_SIGNING_KEY: "sk" }) })).jobs).toMatchObject({ server: "Inngest Cloud" });
  });

  it("names the realtime transport and counts this instance's open streams", async () => {
    const open = (await asToken()).body.realtime;
    expect(open).toEqual({ transport: "local", openStreams: expect.any(Number) });
    const user = await (await anonymousCaller()).auth.register({ email: uniqueEmail("deep-rt"), password: TEST_PASSWORD, name: "rt" });
    const stream = await (await callerFor(user)).realtime.events();
    const reading = (async () => {
      for await (const message of stream) if (message.event === "job:run_updated") break;
    })();
    await until(async () => (await asToken()).body.realtime.openStreams, (count) => count === open.openStreams + 1);
    await publishSafely(user.id, "job:run_updated", { runId: "deep-health" });
    await reading;
    await until(async () => (await asToken()).body.realtime.openStreams, (count) => count === open.openStreams);

    const restore = switchPusherTransport(parseEnv({ PUSHER_APP_ID: "1", PUSHER_KEY: "k", PUSHER_SECRET: "pusher-secret-value", PUSHER_HOST: "soketi", PUSHER_PORT: "6001", PUSHER_USE_TLS: "false" }));
    try {
      const { body } = await asToken();
      // How Pusher has taken this process's events: per process, so earlier files' sends may have set it (tests/reliability/outbound.reliability.ts follows it through an outage).
      expect(body.realtime).toEqual({ transport: "pusher", server: "http://soketi:6001", openStreams: expect.any(Number), publishing: expect.objectContaining({ status: expect.stringMatching(/^(ok|failing|unused)$/) }) });
      expect(JSON.stringify(body)).not.toContain("pusher-secret-value");
    } finally {
      restore();
    }
  });

  it("shows each configured provider's circuit and its last failure, redacted", async () => {
    // The integrations' circuits are per process: earlier files may have left failures counted (afterAll closes them again).
    resetCircuits();
    const { body: healthy } = await asToken();
    expect(healthy.providers.email).toEqual([{ provider: "smtp", circuit: "closed", lastError: null }]);
    expect(healthy.providers.integrations).toEqual([{ provider: "github", circuit: "closed", failures: 0, openUntil: null, lastError: null }]);

    const breaker = breakerFor(getEnv(), "smtp");
    for (let attempt = 0; attempt < getEnv().EMAIL_CIRCUIT_THRESHOLD; attempt++) {
      await breaker
        .execute(() => Promise.reject(new EmailProviderError("smtp", "transient", `SMTP: 454 temporary failure at smtp://mailer:${SMTP_PASSWORD}@mail.example.com`)))
        .catch(() => undefined);
    }
    for (let attempt = 0; attempt < RESILIENCE.breakerThreshold; attempt++) {
      await withCircuitBreaker("github", () => Promise.reject(new ProviderError("github", "unavailable", "GitHub answered 503."))).catch(() => undefined);
    }
    const { status, body } = await asToken();
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual(expect.arrayContaining(["smtp: circuit open", "github: circuit open"]));
    expect(body.providers.email).toEqual([
      { provider: "smtp", circuit: "open", lastError: { message: "SMTP: 454 temporary failure at smtp://[redacted]@mail.example.com", at: expect.any(String) } },
    ]);
    expect(body.providers.integrations).toEqual([
      { provider: "github", circuit: "open", failures: RESILIENCE.breakerThreshold, openUntil: expect.any(String), lastError: { message: "GitHub answered 503.", at: expect.any(String) } },
    ]);
    expect(JSON.stringify(body)).not.toContain(SMTP_PASSWORD);
  });

  it("answers 503 when the database is unreachable, with what it can still tell", async () => {
    const response = await deepHealthResponse(request({ authorization: `Bearer ${TOKEN}` }), getEnv(), async () => null, {
      openDatabase: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as DeepHealth;
    expect(body).toMatchObject({ status: "error", database: { status: "error", reason: "database unreachable: connect ECONNREFUSED 127.0.0.1:1" }, migrations: null, jobs: { engine: "in-process", backlog: null } });
    expect(body.realtime.transport).toBe("local");
  });

  it("never carries a secret of this server's environment", async () => {
    const { body } = await asToken();
    const text = JSON.stringify(body);
    const env = getEnv() as unknown as Record<string, unknown>;
    const secrets = Object.entries(env).filter(([name, value]) => /SECRET|TOKEN|KEY|PASSWORD|CREDENTIALS|DATABASE_URL|SMTP_URL|REDIS_URL/.test(name) && typeof value === "string" && value.length >= 8);
    expect(secrets.map(([name]) => name)).toEqual(expect.arrayContaining(["METRICS_TOKEN", "GITHUB_CLIENT_SECRET"]));
    for (const [name, value] of secrets) expect(text, name).not.toContain(value as string);
  });
});
