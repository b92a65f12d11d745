import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { dataExports, integrations, integrationWebhooks, notificationDecisions, notifications, processingLog, syncRevisions, users } from "~/server/db/schema";
import type { AnyJobEvent, Job, JobStep } from "~/server/jobs/define-job";
import { buildDataExport } from "~/server/jobs/functions/build-data-export";
import { reviewInactiveAccount } from "~/server/jobs/functions/inactive-accounts";
import { syncIntegration } from "~/server/jobs/functions/sync-integrations";
import { trimUserSyncHistory } from "~/server/jobs/functions/trim-sync-history";
import { RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { recordProcessingOnce } from "~/server/privacy/processing-log";
import { requestExport } from "~/server/privacy/export";
import { updatePrivacySettings } from "~/server/privacy/settings";
import { INACTIVITY_POLICY } from "~/lib/schemas/privacy";
import { startGitHubDouble } from "../doubles/github/server";
import { startGitLabDouble } from "../doubles/gitlab/server";
import { startSmtpDouble } from "../doubles/smtp/server";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { change, push, userWithDevices } from "../support/sync";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";

// Steps are at-least-once: a step that was running when the process died runs again after the
// restart (and Inngest may run one twice). Each job below is run as an engine runs it around such
// a crash — the first attempt dies right after one step did its work, before its result was kept;
// the second replays the kept steps and runs that step again — against the real database, the
// real domain functions and the provider doubles. The effect must happen once.

class Crash extends Error {}

/** The job's handler, twice, with a crash between: right after `crashAfter` did its work, before its result was kept. */
async function runAcrossCrash(job: Job, event: AnyJobEvent, crashAfter: string, options: { runId?: string; meanwhile?: () => Promise<void> } = {}) {
  const runId = options.runId ?? randomUUID();
  const kept = new Map<string, unknown>();
  let crashed = false;
  const step = (crashing: boolean): JobStep =>
    ({
      async run(id: string, fn: () => unknown) {
        if (kept.has(id)) return kept.get(id);
        const result = JSON.parse(JSON.stringify((await fn()) ?? null)) as unknown;
        if (crashing && id === crashAfter) {
          crashed = true;
          throw new Crash(`the process died after ${id}`);
        }
        kept.set(id, result);
        return result;
      },
    }) as unknown as JobStep;
  await expect(job.handler({ event, step: step(true), runId, attempt: 0 })).rejects.toBeInstanceOf(Crash);
  expect(crashed, `the run reached ${crashAfter}`).toBe(true);
  await options.meanwhile?.();
  return { runId, result: await job.handler({ event, step: step(false), runId, attempt: 1 }) };
}

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const logOf = async (userId: string, activity: (typeof processingLog.$inferSelect)["activity"]) =>
  (await getDb()).select().from(processingLog).where(and(eq(processingLog.userId, userId), eq(processingLog.activity, activity)));

let github: Awaited<ReturnType<typeof startGitHubDouble>>;
let gitlab: Awaited<ReturnType<typeof startGitLabDouble>>;
let smtp: Awaited<ReturnType<typeof startSmtpDouble>>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const saved = { ...RESILIENCE };
beforeAll(async () => {
  github = await startGitHubDouble({ autoApprove: true, demoAnchor: new Date() });
  gitlab = await startGitLabDouble({ autoApprove: true, demoAnchor: new Date() });
  smtp = await startSmtpDouble({ user: "devpulse", pass: "relay password" });
  app = await startIntegrationRoutes();
  github.addCallbackUrl(`${app.url}/api/integrations/github/callback`);
  gitlab.addRedirectUri(`${app.url}/api/integrations/gitlab/callback`);
  Object.assign(RESILIENCE, { backoffBaseMs: 5, maxInlineWaitMs: 3000 });
});
afterAll(async () => {
  Object.assign(RESILIENCE, saved);
  resetCircuits();
  await Promise.all([github.close(), gitlab.close(), smtp.close(), app.close()]);
});
useEnv(() => ({
  APP_URL: app.url,
  GITHUB_CLIENT_ID: github.oauth.clientId,
  GITHUB_CLIENT_SECRET: github.oauth.clientSecret,
  GITHUB_BASE_URL: github.url,
  GITHUB_API_URL: github.apiUrl,
  GITLAB_CLIENT_ID: gitlab.oauth.clientId,
  GITLAB_CLIENT_SECRET: gitlab.oauth.clientSecret,
  GITLAB_BASE_URL: gitlab.url,
  SMTP_URL: smtp.url,
  MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>",
}));

describe("the processing log", () => {
  it("records an entry once per key, even when two copies of a step record it at the same moment", async () => {
    const { user } = await signedUpUser("log-once");
    const runId = randomUUID();
    const entry = { activity: "integration_sync", purpose: "Fetch your commits", legalBasis: "consent", details: { newCommits: 3 } } as const;
    const db = await getDb();
    await Promise.all(Array.from({ length: 5 }, () => recordProcessingOnce(db, user.id, { jobRun: runId }, entry)));
    await recordProcessingOnce(db, user.id, { jobRun: runId }, entry);
    expect((await logOf(user.id, "integration_sync")).map((row) => row.details)).toEqual([{ newCommits: 3, jobRun: runId }]);
    // Another run, or another activity of the same run, is another entry.
    await recordProcessingOnce(await getDb(), user.id, { jobRun: randomUUID() }, entry);
    await recordProcessingOnce(await getDb(), user.id, { jobRun: runId }, { ...entry, activity: "deletion" });
    expect(await logOf(user.id, "integration_sync")).toHaveLength(2);
    expect(await logOf(user.id, "deletion")).toHaveLength(1);
  });
});

describe("build-data-export", () => {
  it("built and stored, then the process died: the retry builds nothing more, logs once, and still announces the export", async () => {
    const { user } = await signedUpUser("export-crash");
    const { exportId } = await requestExport(await getDb(), user.id, "json");
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const { result } = await runAcrossCrash(buildDataExport, { name: "privacy/export.requested", data: { userId: user.id, exportId } }, "build-and-store");
    stop();

    const [stored] = await (await getDb()).select().from(dataExports).where(eq(dataExports.id, exportId));
    expect(stored).toMatchObject({ status: "ready", content: expect.any(String) });
    expect(result).toEqual({ exportId, format: "json", bytes: stored!.bytes });
    expect(heard).toEqual([{ userId: user.id, event: "privacy:export_ready", payload: { exportId, format: "json", bytes: stored!.bytes } }]);
    expect((await logOf(user.id, "export")).map((row) => row.details)).toEqual([{ format: "json", export: exportId }]);
  });

  it("announced, then the process died: the announcement goes again (the page only refetches its list)", async () => {
    const { user } = await signedUpUser("export-announce-crash");
    const { exportId } = await requestExport(await getDb(), user.id, "csv");
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    await runAcrossCrash(buildDataExport, { name: "privacy/export.requested", data: { userId: user.id, exportId } }, "announce");
    stop();
    expect(heard.map((message) => message.event)).toEqual(["privacy:export_ready", "privacy:export_ready"]);
    expect(await logOf(user.id, "export")).toHaveLength(1);
    expect(await (await getDb()).select({ id: dataExports.id }).from(dataExports).where(eq(dataExports.userId, user.id))).toHaveLength(1);
  });

  it("notified, then the process died: the export-ready notice is made once, with one decision per channel", async () => {
    const { user } = await signedUpUser("export-notify-crash");
    const { exportId } = await requestExport(await getDb(), user.id, "json");
    await runAcrossCrash(buildDataExport, { name: "privacy/export.requested", data: { userId: user.id, exportId } }, "notify");
    const db = await getDb();
    const made = await db.select().from(notifications).where(and(eq(notifications.userId, user.id), eq(notifications.kind, "account.export_ready")));
    expect(made.map((row) => ({ data: row.data, count: row.count }))).toEqual([{ data: { exportId, format: "json", bytes: expect.any(Number) }, count: 1 }]);
    const decided = await db.select({ channel: notificationDecisions.channel }).from(notificationDecisions).where(eq(notificationDecisions.notificationId, made[0]!.id));
    expect(decided.map((row) => row.channel).sort()).toEqual(["desktop", "email", "inApp", "webhook"]);
  });
});

describe("sync-integration", () => {
  const providers = {
    github: {
      hooksOf: (integrationId: string) => github.repos().flatMap((repo) => github.hooks(repo.fullName).filter((hook) => JSON.stringify(hook).includes(integrationId)).map(() => repo.fullName)),
      administered: () => github.repos().filter((repo) => repo.permissions.admin).map((repo) => repo.fullName),
    },
    gitlab: {
      hooksOf: (integrationId: string) => gitlab.projects().flatMap((project) => gitlab.hooks(project.id).filter((hook) => hook.url.includes(integrationId)).map(() => project.pathWithNamespace)),
      administered: () => null,
    },
  };

  for (const provider of ["github", "gitlab"] as const) {
    it(`${provider}: hooks created at the provider but not yet recorded when the process died are found there, not created twice`, async () => {
      const { user } = await signedUpUser(`hooks-crash-${provider}`);
      await connectThroughProvider(user, provider); // the first sync creates and records the hooks
      const db = await getDb();
      const [integration] = await db.select().from(integrations).where(and(eq(integrations.userId, user.id), eq(integrations.provider, provider)));
      const hooks = providers[provider].hooksOf(integration!.id).sort();
      expect(hooks.length).toBeGreaterThan(0);
      if (providers[provider].administered()) expect(hooks).toEqual(providers[provider].administered()!.sort());

      // As if the provider had created them and the process died before our rows were written.
      const { result } = await runAcrossCrash(syncIntegration, { name: "integration/sync.requested", data: { userId: user.id, provider } }, "ensure-webhooks", {
        meanwhile: async () => void (await db.delete(integrationWebhooks).where(eq(integrationWebhooks.integrationId, integration!.id))),
      });

      expect(result).toMatchObject({ repositories: expect.any(Number) });
      expect(providers[provider].hooksOf(integration!.id).sort()).toEqual(hooks); // one each, as before
      const recorded = await db.select().from(integrationWebhooks).where(eq(integrationWebhooks.integrationId, integration!.id));
      expect(recorded.map((row) => row.repository).sort()).toEqual(hooks); // known again, so a disconnect removes them
    });
  }

  it("marked synced and logged, then the process died: the retry logs nothing more", async () => {
    const { user } = await signedUpUser("sync-log-crash");
    await connectThroughProvider(user, "github");
    const { runId } = await runAcrossCrash(syncIntegration, { name: "integration/sync.requested", data: { userId: user.id, provider: "github" } }, "mark-synced");
    const entries = (await logOf(user.id, "integration_sync")).filter((row) => (row.details as { jobRun?: string }).jobRun === runId);
    expect(entries).toHaveLength(1);
    const [integration] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    expect(integration).toMatchObject({ status: "connected", syncDeadlineAt: null });
  });
});

describe("trim-sync-history", () => {
  it("deleted and logged, then the process died: the retry deletes and logs nothing more", async () => {
    const db = await getDb();
    const { user, laptop } = await userWithDevices("trim-crash");
    await push(laptop, [change("p1", null, "a1")]);
    await push(laptop, [change("p1", 1, "a2")]);
    await updatePrivacySettings(db, user.id, { retentionPolicy: { cloudRetentionDays: 30 } });
    await db.update(syncRevisions).set({ createdAt: ago(40 * DAY) }).where(eq(syncRevisions.userId, user.id));

    await runAcrossCrash(trimUserSyncHistory, { name: "sync/history.trim-requested", data: { userId: user.id } }, "record-processing");

    expect(await db.select().from(syncRevisions).where(eq(syncRevisions.userId, user.id))).toHaveLength(1); // the current revision stays
    expect(await logOf(user.id, "deletion")).toEqual([expect.objectContaining({ details: expect.objectContaining({ revisions: 1 }) })]);
  });

  it("a step that deleted, then the process died: the retry finds nothing more to delete", async () => {
    const db = await getDb();
    const { user, laptop } = await userWithDevices("trim-delete-crash");
    await push(laptop, [change("p1", null, "a1")]);
    await push(laptop, [change("p1", 1, "a2")]);
    await updatePrivacySettings(db, user.id, { retentionPolicy: { cloudRetentionDays: 30 } });
    await db.update(syncRevisions).set({ createdAt: ago(40 * DAY) }).where(eq(syncRevisions.userId, user.id));
    const { result } = await runAcrossCrash(trimUserSyncHistory, { name: "sync/history.trim-requested", data: { userId: user.id } }, "delete-old-revisions");
    // Repeated deletes remove nothing more (the count of the repeat is what the run reports).
    expect(result).toMatchObject({ deletedRevisions: 0 });
    expect(await db.select().from(syncRevisions).where(eq(syncRevisions.userId, user.id))).toHaveLength(1);
  });
});

describe("review-inactive-account", () => {
  async function inactive(label: string, lastActiveDaysAgo: number, warnedDaysAgo: number | null) {
    const account = await signedUpUser(label);
    await account.caller.privacy.updateSettings({ retentionPolicy: { autoDeleteAfterInactivity: true } });
    await (await getDb())
      .update(users)
      .set({ lastActiveAt: ago(lastActiveDaysAgo * DAY), inactivityWarnedAt: warnedDaysAgo === null ? null : ago(warnedDaysAgo * DAY) })
      .where(eq(users.id, account.user.id));
    return account;
  }
  const event = (accountId: string) => ({ name: "privacy/inactivity.review-requested" as const, data: { accountId } });

  it("the warning mailed and recorded, then the process died: the retry sends no second mail", async () => {
    const { user, email } = await inactive("warn-crash", INACTIVITY_POLICY.deleteAfterDays - INACTIVITY_POLICY.warnDaysBefore + 1, null);
    const { result } = await runAcrossCrash(reviewInactiveAccount, event(user.id), "send-warning");
    expect(result).toMatchObject({ action: "warned" });
    expect(smtp.received.filter((mail) => mail.to.includes(email))).toHaveLength(1);
    expect(await logOf(user.id, "notification")).toHaveLength(1);
  });

  it("the account deleted, then the process died: the retry reports it deleted and deletes nothing else", async () => {
    const { user } = await inactive("delete-crash", INACTIVITY_POLICY.deleteAfterDays + 1, INACTIVITY_POLICY.warnDaysBefore + 1);
    const bystander = await signedUpUser("delete-crash-bystander");
    const { result } = await runAcrossCrash(reviewInactiveAccount, event(user.id), "delete-account");
    expect(result).toEqual({ action: "deleted" });
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.id, user.id))).toEqual([]);
    expect(await db.select({ id: users.id }).from(users).where(eq(users.id, bystander.user.id))).toHaveLength(1);
  });
});
