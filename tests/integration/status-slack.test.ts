import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { chatStatusTargets, jobRuns, oauthStates, userStatus } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { readTokens } from "~/server/integrations/tokens";
import { CHAT_STATUS_TIMING } from "~/server/jobs/functions/chat-status";
import { startSlackDouble, type SlackDouble } from "../doubles/slack/server";
import { sessionCookieFor, signedUpUser, TEST_PASSWORD } from "../support/callers";
import { useEnv, withEnv } from "../support/env";
import { startIntegrationRoutes } from "../support/integrations";
import { listenRealtime } from "../support/realtime";
import { settle, slackUser, useStatusTestTiming } from "./status-helpers";
import { until } from "../support/until";
import { restartSuiteJobRunner } from "../support/job-runs";

// The chat status end to end on Slack: the status procedures through the tRPC caller, the
// jobs on the embedded engine, the real @slack/web-api against the Slack double, and the
// app's OAuth callback on a real port.
let slack: SlackDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
/** The write spacing in this file: long enough to see, short enough to wait for (10 s in production). */
const SPACING_MS = 1_500;

beforeAll(async () => {
  [slack, app] = await Promise.all([startSlackDouble({ autoApprove: true }), startIntegrationRoutes()]);
  slack.addRedirectUri(`${app.url}/api/integrations/slack/callback`);
  await getDb();
});
afterAll(() => Promise.all([slack.close(), app.close()]));
useStatusTestTiming(SPACING_MS);
afterEach(() => slack.reset());
useEnv(() => ({ APP_URL: app.url, ...slack.appEnv }));

const apiWrites = (slackId: string) => slack.profileWrites(slackId).filter((write) => write.source === "api");
const shown = (slackId: string) => {
  const status = slack.status(slackId);
  return { text: status.status_text, emoji: status.status_emoji };
};
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000);

describe("setting, scheduling and clearing", () => {
  it("status.set shows a template on Slack with Slack's own expiry; status.clear takes it down; the page hears each change", async () => {
    const { user, caller, slackId } = await slackUser(slack, "st-set");
    const { heard, stop } = listenRealtime(user.id, { events: ["status:updated"] });
    const before = Date.now();
    const set = await caller.status.set({ template: "debugging", durationMinutes: 30 });
    expect(set).toMatchObject({ templateKey: "debugging", text: "Debugging", slackEmoji: ":bug:", source: "manual" });
    await settle();
    expect(shown(slackId)).toEqual({ text: "Debugging", emoji: ":bug:" });
    // Slack clears it by itself at the end, should our clear never run.
    const expiration = slack.status(slackId).status_expiration * 1000;
    expect(expiration).toBeGreaterThanOrEqual(Math.floor((before + 30 * 60_000) / 1000) * 1000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1_000); // whole seconds, rounded up

    const current = await caller.status.current();
    expect(current.status).toMatchObject({ text: "Debugging", source: "manual" });
    expect(current.providers).toEqual([
      expect.objectContaining({ provider: "slack", state: "connected", heldByUser: false, shown: expect.objectContaining({ text: "Debugging", emoji: ":bug:" }), capabilities: { userStatus: true, doNotDisturb: true, channelMessage: false } }),
    ]);

    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.set({ custom: { text: "Reviewing pull requests", slackEmoji: ":eyes:" } });
    await settle();
    expect(shown(slackId)).toEqual({ text: "Reviewing pull requests", emoji: ":eyes:" });
    expect(slack.status(slackId).status_expiration).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    expect(await caller.status.clear()).toEqual({ cleared: true });
    await settle();
    stop();
    expect(shown(slackId)).toEqual({ text: "", emoji: "" });
    expect((await caller.status.current()).status).toBeNull();
    const updates = heard.map((message) => (message.payload as { text: string | null }).text);
    expect(updates).toContain("Debugging");
    expect(updates).toContain("Reviewing pull requests");
    expect(updates.at(-1)).toBeNull();
  });

  it("a scheduled status shows at its start on Slack, and cancelling it while it shows clears it", async () => {
    const { caller, slackId } = await slackUser(slack, "st-schedule");
    const startAt = new Date(Date.now() + 1_200);
    const schedule = await caller.status.schedule({ template: "meeting", startAt, durationMinutes: 45 });
    expect(schedule).toMatchObject({ templateKey: "meeting", templateName: "Meeting", state: "scheduled" });
    expect(schedule.endAt.getTime() - schedule.startAt.getTime()).toBe(45 * 60_000);
    expect(shown(slackId).text).toBe("");

    await until(() => shown(slackId).text, (text) => text === "In a meeting");
    expect(Date.now()).toBeGreaterThanOrEqual(startAt.getTime());
    expect((await caller.status.schedules.list()).map((entry) => [entry.id, entry.state])).toEqual([[schedule.id, "active"]]);
    // While it shows, heartbeats do not replace it.
    expect(await caller.status.heartbeat({ activity: "coding" })).toEqual({ changed: false });

    await caller.status.schedules.cancel({ id: schedule.id });
    await settle();
    expect(shown(slackId)).toEqual({ text: "", emoji: "" });
    expect(await caller.status.schedules.list()).toEqual([]);
    const [run] = await (await getDb())
      .select({ status: jobRuns.status })
      .from(jobRuns)
      .where(and(eq(jobRuns.functionId, "run-status-schedule"), sql`${jobRuns.event}->'data'->>'scheduleId' = ${schedule.id}`));
    expect(run?.status).toBe("cancelled");
  });
});

describe("never trampling the user", () => {
  it("covers the status the user had before, restores it on clear; a status set by hand afterwards is left alone until they clear it", async () => {
    const { user, caller, slackId } = await slackUser(slack, "st-guard", (id) => slack.setStatusByHand(id, { status_text: "On vacation", status_emoji: ":palm_tree:" }));
    expect(shown(slackId)).toEqual({ text: "On vacation", emoji: ":palm_tree:" }); // connecting changed nothing

    await caller.status.set({ template: "focus", durationMinutes: 25 });
    await settle();
    expect(shown(slackId)).toEqual({ text: "In focus mode", emoji: ":dart:" });
    expect(slack.snooze(slackId)).not.toBeNull(); // Do Not Disturb during a focus session

    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.clear();
    await settle();
    expect(shown(slackId)).toEqual({ text: "On vacation", emoji: ":palm_tree:" });
    expect(slack.snooze(slackId)).toBeNull();

    // Ours again over the restored one; then the person sets their own in Slack.
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.set({ template: "coding" });
    await settle();
    expect(shown(slackId)).toEqual({ text: "Coding", emoji: ":computer:" });
    slack.setStatusByHand(slackId, { status_text: "Lunch", status_emoji: ":sandwich:" });
    const writesBefore = apiWrites(slackId).length;

    const { heard, stop } = listenRealtime(user.id, { events: ["status:updated"] });
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.set({ template: "debugging" });
    await settle();
    expect(shown(slackId)).toEqual({ text: "Lunch", emoji: ":sandwich:" });
    expect(apiWrites(slackId)).toHaveLength(writesBefore);
    const current = await caller.status.current();
    expect(current.providers[0]).toMatchObject({ provider: "slack", heldByUser: true, shown: null });
    expect(heard.map((message) => message.payload)).toContainEqual(expect.objectContaining({ text: "Debugging", heldByUser: ["slack"] }));
    // Clearing ours leaves theirs too.
    await caller.status.clear();
    await settle();
    expect(shown(slackId)).toEqual({ text: "Lunch", emoji: ":sandwich:" });

    // Once they clear theirs, DevPulse shows its status again — nothing underneath any more.
    slack.setStatusByHand(slackId);
    await caller.status.set({ template: "coding" });
    await settle();
    stop();
    expect(shown(slackId)).toEqual({ text: "Coding", emoji: ":computer:" });
    expect((await caller.status.current()).providers[0]!.heldByUser).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.clear();
    await settle();
    expect(shown(slackId)).toEqual({ text: "", emoji: "" });
  });

  it("does not restore the user's status when it expired meanwhile", async () => {
    const { caller, slackId } = await slackUser(slack, "st-expired", (id) =>
      slack.setStatusByHand(id, { status_text: "Out sick", status_emoji: ":face_with_thermometer:", status_expiration: Math.floor(Date.now() / 1000) + 2 }),
    );
    await caller.status.set({ template: "coding" });
    await settle();
    expect(shown(slackId).text).toBe("Coding");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await caller.status.clear();
    await settle();
    expect(shown(slackId)).toEqual({ text: "", emoji: "" });
  });
});

describe("heartbeats", () => {
  it("a burst of heartbeats is one write; changes within the spacing collapse into one more write of the last state", async () => {
    const { caller, slackId } = await slackUser(slack, "st-burst");
    const first = await Promise.all(Array.from({ length: 8 }, () => caller.status.heartbeat({ activity: "coding" })));
    expect(first.filter((result) => result.changed)).toHaveLength(1);
    await settle();
    expect(apiWrites(slackId).map((write) => write.status_text)).toEqual(["Coding"]);

    for (const activity of ["debugging", "coding", "focus", "debugging"] as const) await caller.status.heartbeat({ activity });
    await settle();
    const writes = apiWrites(slackId);
    expect(writes.map((write) => write.status_text)).toEqual(["Coding", "Debugging"]);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(SPACING_MS - 50);
  });

  it("names the project only when the privacy settings allow it, and never a private one", async () => {
    const { caller, slackId } = await slackUser(slack, "st-context");
    await caller.status.heartbeat({ activity: "coding", projectContext: "devpulse" });
    await settle();
    expect(shown(slackId).text).toBe("Coding");

    await caller.privacy.updateSettings({ statusSharing: { projectContext: true, privateProjects: ["Secret-Client"] } });
    expect((await caller.status.current()).settings.projectContext).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    expect(await caller.status.heartbeat({ activity: "coding", projectContext: "devpulse" })).toEqual({ changed: true });
    await settle();
    expect(shown(slackId).text).toBe("Coding · devpulse");
    const current = await caller.status.current();
    expect(current.discordPresence).toMatchObject({ details: "💻 Coding", state: "devpulse" });

    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.heartbeat({ activity: "coding", projectContext: "secret-client" });
    await settle();
    expect(shown(slackId).text).toBe("Coding");
  });

  it("a 429 is waited out, then the status is written", async () => {
    const { caller, slackId } = await slackUser(slack, "st-429");
    slack.rateLimitNext("users.profile.set", 1);
    const started = Date.now();
    await caller.status.heartbeat({ activity: "debugging" });
    await until(() => shown(slackId).text, (text) => text === "Debugging");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const sets = slack.requests.filter((request) => request.path === "/api/users.profile.set").map((request) => request.status);
    expect(sets).toEqual([429, 200]);
  });

  it("clears the status when heartbeats stop for the idle timeout, not while they keep coming", async () => {
    const { user, caller, slackId } = await slackUser(slack, "st-idle");
    // The test's clock: a zero-minute timeout (the page allows 2 at least) and a 300 ms debounce instead of a minute.
    CHAT_STATUS_TIMING.idleDebounce.period = 300;
    await caller.status.heartbeat({ activity: "coding" });
    await (await getDb()).update(userStatus).set({ idleMinutes: 0 }).where(eq(userStatus.userId, user.id));
    for (let beat = 0; beat < 8; beat++) {
      await caller.status.heartbeat({ activity: "coding" });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(shown(slackId).text).toBe("Coding");
    expect((await caller.status.current()).status?.text).toBe("Coding");

    await until(() => shown(slackId).text, (text) => text === "");
    expect((await caller.status.current()).status).toBeNull();
    // A status set on the page is not a heartbeat's: idle leaves it.
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.set({ template: "meeting" });
    await caller.status.heartbeat({ activity: "idle" });
    await new Promise((resolve) => setTimeout(resolve, 800));
    await settle();
    expect(shown(slackId).text).toBe("In a meeting");
  });
});

describe("focus sessions", () => {
  it("a focus session sets Do Not Disturb, and its end clears both on time, though the server restarted in between", async () => {
    const { caller, slackId } = await slackUser(slack, "st-focus");
    const focusUntil = new Date(Date.now() + 4_000);
    await caller.status.heartbeat({ activity: "focus", focusUntil, projectContext: "devpulse" });
    await settle(1_000);
    expect(shown(slackId)).toEqual({ text: "In focus mode", emoji: ":dart:" });
    expect(slack.snooze(slackId)).not.toBeNull();

    // The server stops (its runs stay in the database) and another starts later on the same database.
    await restartSuiteJobRunner({ pauseMs: 1_000 });

    await until(() => [shown(slackId).text, slack.snooze(slackId)], ([text, snooze]) => text === "" && snooze === null, 12_000);
    expect(Date.now()).toBeGreaterThanOrEqual(focusUntil.getTime());
    expect(slack.dndChanges(slackId).map((change) => [change.action, change.source])).toEqual([
      ["setSnooze", "api"],
      ["endSnooze", "api"],
    ]);
    expect((await caller.status.current()).status).toBeNull();
  });

  it("a focus session ended early cancels its scheduled end: the next status stays past the old end", async () => {
    const { user, caller, slackId } = await slackUser(slack, "st-focus-early");
    const focusUntil = new Date(Date.now() + 2_500);
    await caller.status.heartbeat({ activity: "focus", focusUntil });
    await settle(1_000);
    expect(shown(slackId).text).toBe("In focus mode");
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.status.heartbeat({ activity: "coding" });
    await settle(1_000);
    expect(shown(slackId).text).toBe("Coding");
    expect(slack.snooze(slackId)).toBeNull(); // Do Not Disturb ends with the session

    const runs = await (await getDb())
      .select({ status: jobRuns.status, error: jobRuns.error })
      .from(jobRuns)
      .where(and(eq(jobRuns.functionId, "end-focus-session"), eq(jobRuns.userId, user.id)));
    expect(runs).toEqual([{ status: "cancelled", error: "Cancelled by status/focus.ended" }]);
    await new Promise((resolve) => setTimeout(resolve, focusUntil.getTime() - Date.now() + 500));
    expect(shown(slackId).text).toBe("Coding");
  });
});

describe("connecting and disconnecting", () => {
  it("refuses a forged or replayed OAuth state, and connects nothing", async () => {
    const { user, caller } = await signedUpUser("st-oauth");
    const callback = async (query: Record<string, string>) => {
      const response = await fetch(`${app.url}/api/integrations/slack/callback?${new URLSearchParams(query)}`, { redirect: "manual", headers: { cookie: await sessionCookieFor(user) } });
      return new URL(response.headers.get("location")!).searchParams.get("error");
    };
    expect(await callback({ state: "forged-state", code: "x" })).toMatch(/unknown or was already used/);
    const { authorizationUrl } = await caller.integrations.connect({ provider: "slack", consent: true });
    const consent = await fetch(authorizationUrl, { redirect: "manual" });
    const returned = new URL(consent.headers.get("location")!);
    const state = returned.searchParams.get("state")!;
    // Used once with a wrong code: refused by Slack, and the state is spent.
    expect(await callback({ state, code: "not-a-code" })).toBeTruthy();
    expect(await callback({ state, code: returned.searchParams.get("code")! })).toMatch(/unknown or was already used/);
    const db = await getDb();
    expect((await caller.integrations.list()).find((entry) => entry.provider === "slack")!.state).toBe("available");
    expect(await db.select().from(chatStatusTargets).where(eq(chatStatusTargets.userId, user.id))).toEqual([]);
    expect(await db.select().from(oauthStates).where(eq(oauthStates.userId, user.id))).toEqual([]);
    expect((await caller.status.current()).providers).toEqual([]);
  });

  it("disconnecting puts the user's own status back, ends our Do Not Disturb and revokes the token at Slack", async () => {
    const { caller, slackId } = await slackUser(slack, "st-disconnect", (id) => slack.setStatusByHand(id, { status_text: "Working remotely", status_emoji: ":house:" }));
    await caller.status.set({ template: "focus", durationMinutes: 50 });
    await settle();
    expect(shown(slackId).text).toBe("In focus mode");
    expect(slack.snooze(slackId)).not.toBeNull();
    expect(slack.activeTokens(slackId)).toBe(1);

    expect(await caller.integrations.disconnect({ provider: "slack" })).toMatchObject({ provider: "slack", revoked: true });
    expect(shown(slackId)).toEqual({ text: "Working remotely", emoji: ":house:" });
    expect(slack.snooze(slackId)).toBeNull();
    expect(slack.activeTokens(slackId)).toBe(0);
    expect(slack.requests.map((request) => request.path)).toContain("/api/auth.revoke");
    expect((await caller.status.current()).providers).toEqual([]);
  });

  it("withdrawing consent on the privacy page takes our status down at once and shows nothing new; consent again shows it", async () => {
    const { caller, slackId } = await slackUser(slack, "st-consent", (id) => slack.setStatusByHand(id, { status_text: "Working remotely", status_emoji: ":house:" }));
    await caller.status.set({ template: "debugging" });
    await settle();
    expect(shown(slackId).text).toBe("Debugging");

    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    await caller.privacy.recordConsent({ type: "integration:slack", granted: false });
    await settle();
    expect(shown(slackId)).toEqual({ text: "Working remotely", emoji: ":house:" });
    const writes = apiWrites(slackId).length;
    await caller.status.set({ template: "focus" });
    await settle();
    expect(shown(slackId).text).toBe("Working remotely");
    expect(apiWrites(slackId)).toHaveLength(writes);

    await caller.privacy.recordConsent({ type: "integration:slack", granted: true });
    await settle();
    expect(shown(slackId).text).toBe("In focus mode");
    await caller.status.clear();
    await settle();
  });

  it("deleting the account clears our status at Slack", async () => {
    const { caller, slackId } = await slackUser(slack, "st-delete");
    await caller.status.set({ template: "debugging" });
    await settle();
    expect(shown(slackId).text).toBe("Debugging");
    await caller.privacy.deleteAccount({ password: TEST_PASSWORD });
    expect(shown(slackId)).toEqual({ text: "", emoji: "" });
    expect(slack.activeTokens(slackId)).toBe(0);
  });

  it("a write refused for a revoked token puts the integration in needs_reauth and is not retried", async () => {
    const { caller, slackId } = await slackUser(slack, "st-revoked");
    slack.reset();
    slack.revokeUser(slackId);
    await caller.status.set({ template: "coding" });
    await settle();
    expect((await caller.integrations.list()).find((entry) => entry.provider === "slack")).toMatchObject({ state: "needs_reauth" });
    expect(slack.requests.filter((request) => request.path === "/api/users.profile.get")).toHaveLength(1);
    expect((await caller.status.current()).providers[0]).toMatchObject({ state: "needs_reauth" });
  });
});

describe("secrets", () => {
  it("no Slack token in any table or log line", async () => {
    const lines: string[] = [];
    const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    let token = "";
    await withEnv({ LOG_LEVEL: "debug" }, async () => {
      process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
      process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
      try {
        const { user, caller, slackId } = await slackUser(slack, "st-secrets");
        token = (await readTokens(await getDb(), { userId: user.id, provider: "slack" }))!.accessToken;
        slack.rateLimitNext("users.profile.set", 1);
        await caller.status.set({ template: "focus", durationMinutes: 5 });
        await until(() => shown(slackId).text, (text) => text === "In focus mode");
        slack.failNext({ path: "users.profile.get", status: 200, body: { ok: false, error: "invalid_auth" } });
        await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
        await caller.status.clear();
        await settle();
        await caller.integrations.disconnect({ provider: "slack" }).catch(() => undefined);
      } finally {
        process.stdout.write = writes.out;
        process.stderr.write = writes.err;
      }
    });
    expect(token).toMatch(/^xoxp-/);
    expect(lines.join("")).toMatch(/job/); // the capture works
    expect(lines.join("")).not.toContain(token);
    const db = await getDb();
    for (const table of schemaTableNames()) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      expect(JSON.stringify(Array.isArray(rows) ? rows : rows.rows), table).not.toContain(token);
    }
  });
});
