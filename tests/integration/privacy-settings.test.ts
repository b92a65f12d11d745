import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DEFAULT_PRIVACY_SETTINGS } from "~/lib/schemas/privacy";
import { getDb } from "~/server/db/client";
import { integrations, jobRuns, processingLog, syncRecords, syncState } from "~/server/db/schema";
import { createInProcessRunner } from "~/server/jobs/runner";
import { syncIntegration } from "~/server/jobs/functions/sync-integrations";
import { callerFor, connectDevice, errorOf, signedUpUser } from "../support/callers";
import { change, push, userWithDevices } from "../support/sync";

async function storedRecords(userId: string) {
  const db = await getDb();
  const [records] = await db.select({ n: count() }).from(syncRecords).where(eq(syncRecords.userId, userId));
  const [state] = await db.select({ lastSeq: syncState.lastSeq }).from(syncState).where(eq(syncState.userId, userId));
  return { records: records!.n, lastSeq: state?.lastSeq ?? 0 };
}

describe("privacy settings", () => {
  it("start from the defaults, change field by field, and refuse invalid values with a readable message", async () => {
    const { caller } = await signedUpUser("privacy-settings");
    expect(await caller.privacy.settings()).toEqual(DEFAULT_PRIVACY_SETTINGS);
    const updated = await caller.privacy.updateSettings({ collections: { activities: false }, retentionPolicy: { cloudRetentionDays: 30 }, integrations: { github: { autoSync: false } } });
    // Switching cloud sync or an integration is a consent decision, never a plain setting.
    await expect(errorOf(() => caller.privacy.updateSettings({ enableCloudSync: false }))).resolves.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/giving or withdrawing consent/) });
    expect(updated.collections).toEqual({ ...DEFAULT_PRIVACY_SETTINGS.collections, activities: false });
    expect(updated.retentionPolicy).toEqual({ ...DEFAULT_PRIVACY_SETTINGS.retentionPolicy, cloudRetentionDays: 30 });
    expect(updated.integrations.github).toMatchObject({ enabled: true, autoSync: false });
    expect(await caller.privacy.settings()).toEqual(updated);

    const tooShort = await errorOf(() => caller.privacy.updateSettings({ retentionPolicy: { cloudRetentionDays: 0 } }));
    expect(tooShort).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/cloudRetentionDays must be at least 1 day/) });
    const unknown = await errorOf(() => caller.privacy.updateSettings({ collections: { photos: true } as never }));
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(await caller.privacy.settings()).toEqual(updated); // nothing of a refused change was applied
  });
});

describe("enforcement in sync.push", () => {
  it("stores nothing for a user who never agreed to cloud sync, until they do", async () => {
    const { user, caller } = await signedUpUser("privacy-no-consent");
    const { deviceId } = await connectDevice(caller, "laptop");
    const laptop = { id: deviceId, caller: await callerFor(user, { id: deviceId, name: "laptop" }) };
    expect((await caller.privacy.settings()).enableCloudSync).toBe(false);

    const refused = await errorOf(() => push(laptop, [change("p1", null, "v1")]));
    expect(refused).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/have not agreed to it/) });
    expect(await storedRecords(user.id)).toEqual({ records: 0, lastSeq: 0 });

    await caller.privacy.recordConsent({ type: "cloud_sync", granted: true });
    await expect(push(laptop, [change("p1", null, "v1")])).resolves.toMatchObject({ applied: 1 });
  });

  it("with cloud sync off, refuses every change and stores nothing", async () => {
    const { user, caller, laptop } = await userWithDevices("privacy-cloud-off");
    await push(laptop, [change("p1", null, "v1")]);
    const before = await storedRecords(user.id);
    await caller.privacy.recordConsent({ type: "cloud_sync", granted: false });

    const refused = await errorOf(() => push(laptop, [change("p2", null, "v1")]));
    expect(refused).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Cloud sync is off because you have not agreed to it \(or withdrew your consent\), so nothing was stored/) });
    expect(await storedRecords(user.id)).toEqual(before);

    await caller.privacy.recordConsent({ type: "cloud_sync", granted: true });
    await expect(push(laptop, [change("p2", null, "v1")])).resolves.toMatchObject({ applied: 1 });
  });

  it("with a collection off, refuses any push that touches it, whole, and accepts the others", async () => {
    const { user, caller, laptop } = await userWithDevices("privacy-collection-off");
    await caller.privacy.updateSettings({ collections: { activities: false } });
    const mixed = [change("p1", null, "project"), change("a1", null, "activity", { collection: "activities" })];
    const refused = await errorOf(() => push(laptop, mixed));
    expect(refused).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Syncing activities is turned off/) });
    expect(await storedRecords(user.id)).toEqual({ records: 0, lastSeq: 0 }); // not even the project
    await expect(push(laptop, [change("p1", null, "project")])).resolves.toMatchObject({ applied: 1 });
  });
});

describe("the processing log", () => {
  it("records each upload and settings change with purpose and legal basis, filterable, for its owner only", async () => {
    const { caller, laptop } = await userWithDevices("privacy-log");
    const other = await signedUpUser("privacy-log-other");
    await push(laptop, [change("p1", null, "v1"), change("p2", null, "v1")]);
    await caller.privacy.updateSettings({ retentionPolicy: { localRetentionDays: 90 } });

    const all = await caller.privacy.processingLog({});
    expect(all.items.map((entry) => entry.activity)).toEqual(["settings_change", "sync_upload", "consent_change"]);
    expect(all.items[1]).toMatchObject({ legalBasis: "consent", purpose: expect.stringMatching(/encrypted changes/), details: { changes: 2, applied: 2, conflicts: 0 } });
    expect((await caller.privacy.processingLog({ activity: "sync_upload" })).items).toHaveLength(1);
    expect((await other.caller.privacy.processingLog({})).items).toEqual([]);
    const firstPage = await caller.privacy.processingLog({ limit: 1 });
    expect(firstPage.nextBefore).toBe(firstPage.items[0]!.id);
    expect((await caller.privacy.processingLog({ limit: 1, before: firstPage.nextBefore! })).items[0]!.activity).toBe("sync_upload");
  });
});

describe("enforcement in integration jobs", () => {
  it("never syncs an integration the privacy settings switched off", async () => {
    const { user, caller } = await signedUpUser("privacy-integration-off");
    const db = await getDb();
    await db.insert(integrations).values({ userId: user.id, provider: "github", status: "connected" });
    await caller.privacy.recordConsent({ type: "integration:github", granted: false });
    const runner = createInProcessRunner({ jobs: [syncIntegration], retryDelayMs: () => 5 });
    await runner.dispatch({ name: "integration/sync.requested", data: { userId: user.id, provider: "github" } });
    await runner.idle();
    await runner.stop();
    const [row] = await db.select().from(integrations).where(eq(integrations.userId, user.id));
    expect(row!.status).toBe("connected"); // never marked syncing: nothing ran
    const uploads = await db.select().from(processingLog).where(eq(processingLog.userId, user.id));
    expect(uploads.filter((entry) => entry.activity === "integration_sync")).toEqual([]);
    const [run] = await db.select().from(jobRuns).where(eq(jobRuns.userId, user.id));
    expect(run).toMatchObject({ functionId: "sync-integration", status: "completed", output: { skipped: "disabled in the privacy settings" } });
  });
});
