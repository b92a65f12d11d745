import { getJobRunner } from "~/server/jobs/send";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import {
  anonymousAggregates,
  jobEvents,
  jobRuns,
  jobSteps,
  loginAttempts,
  syncConflicts,
  syncRecords,
  syncRevisions,
  syncTrimmedDeletions,
  users,
} from "~/server/db/schema";
import { authenticateDeviceToken } from "~/server/devices/devices";
import { anonymousCaller, callerFor, connectDevice, errorOf, sessionCookieFor, signedUpUser, TEST_PASSWORD } from "../support/callers";
import { getEnv } from "~/server/env";
import { routeFetch } from "../support/http";
import { fullyUsedAccount, keyBundle, rowsOf } from "../support/privacy";
import { change, push, userWithDevices } from "../support/sync";

describe("consent", () => {
  it("is recorded append-only with the policy version, takes effect at once, and offers deletion when withdrawn", async () => {
    const { caller, laptop } = await userWithDevices("consent-sync");
    await caller.sync.keys.setup(keyBundle()); // setting a sync passphrase is how cloud sync is turned on
    await push(laptop, [change("p1", null, "v1")]);
    const withdrawn = await caller.privacy.recordConsent({ type: "cloud_sync", granted: false });
    expect(withdrawn).toEqual({ type: "cloud_sync", granted: false, offerDeletion: true });
    await expect(errorOf(() => push(laptop, [change("p2", null, "v1")]))).resolves.toMatchObject({ code: "FORBIDDEN" });
    await caller.privacy.recordConsent({ type: "cloud_sync", granted: true });

    const { history, current, policyVersion } = await caller.privacy.consents();
    expect(history.map((entry) => [entry.type, entry.granted])).toEqual([
      ["cloud_sync", true],
      ["cloud_sync", false],
      ["cloud_sync", true],
    ]);
    expect(history.every((entry) => entry.policyVersion === policyVersion)).toBe(true);
    expect(current.cloud_sync).toMatchObject({ granted: true });
    expect((await caller.privacy.processingLog({ activity: "consent_change" })).items).toHaveLength(3);
    await expect(errorOf(() => caller.privacy.recordConsent({ type: "integration:myspace" as "cloud_sync", granted: true }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("connecting an integration needs it; withdrawing it switches the integration off", async () => {
    const { caller } = await signedUpUser("consent-integration");
    const refused = await errorOf(() => caller.integrations.connect({ provider: "github" }));
    expect(refused.code).toMatch(/PRECONDITION_FAILED|BAD_REQUEST/); // not configured here, or no consent: never a URL
    await caller.privacy.recordConsent({ type: "integration:gitlab", granted: true });
    expect((await caller.privacy.settings()).integrations.gitlab?.enabled).toBe(true);
    await caller.privacy.recordConsent({ type: "integration:gitlab", granted: false });
    expect((await caller.privacy.settings()).integrations.gitlab?.enabled).toBe(false);
  });
});

describe("deleting a collection", () => {
  it("removes what the server holds of that collection only", async () => {
    const { user, caller, laptop } = await userWithDevices("delete-collection");
    await push(laptop, [change("p1", null, "v1"), change("a1", null, "a", { collection: "activities" }), change("a2", null, "b", { collection: "activities" })]);
    const db = await getDb();
    // Deletions whose tombstones retention trimmed: the collection's go with it.
    await db.insert(syncTrimmedDeletions).values([
      { userId: user.id, collection: "activities", recordId: "a0", revision: 2, seq: 1 },
      { userId: user.id, collection: "projects", recordId: "p0", revision: 3, seq: 1 },
    ]);
    await expect(caller.privacy.deleteCollection({ collection: "activities" })).resolves.toEqual({ collection: "activities", deleted: 2 });
    const left = await db.select({ collection: syncRecords.collection }).from(syncRecords).where(eq(syncRecords.userId, user.id));
    expect(left).toEqual([{ collection: "projects" }]);
    expect((await db.select().from(syncRevisions).where(eq(syncRevisions.userId, user.id))).map((row) => row.collection)).toEqual(["projects"]);
    expect((await db.select().from(syncTrimmedDeletions).where(eq(syncTrimmedDeletions.userId, user.id))).map((row) => row.collection)).toEqual(["projects"]);
  });
});

describe("deleting the account", () => {
  it("asks for the password again, and deletes nothing when it is wrong", async () => {
    const { user, caller } = await fullyUsedAccount("delete-wrong");
    const wrong = await errorOf(() => caller.privacy.deleteAccount({ password: "not the password" }));
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", message: "That password is not right: nothing was deleted." });
    expect((await rowsOf(user.id)).sync_records).toBeGreaterThan(0);
  });

  it("wrong passwords count as failed sign-ins: after the account's limit even the right one is refused, and nothing is deleted", async () => {
    const { user, caller } = await signedUpUser("delete-guessing");
    for (let guess = 0; guess < getEnv().LOGIN_MAX_FAILURES_PER_ACCOUNT; guess++) {
      expect(await errorOf(() => caller.privacy.anonymize({ password: `guess ${guess}` }))).toMatchObject({ code: "UNAUTHORIZED" });
    }
    expect(await errorOf(() => caller.privacy.deleteAccount({ password: TEST_PASSWORD }))).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(await errorOf(() => caller.account.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "a new password 123" }))).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(await caller.auth.me()).toMatchObject({ id: user.id });
  });

  it("a desktop device token can neither delete nor anonymize the account, nor approve or refuse another device", async () => {
    const { user, caller } = await signedUpUser("delete-by-device");
    const { token } = await connectDevice(caller, "stolen laptop");
    const { device } = await authenticateDeviceToken(await getDb(), token);
    const asDevice = await callerFor(user, device);
    const started = await (await anonymousCaller()).devices.startAuthorization({ deviceName: "attacker's machine" });
    for (const attempt of [
      () => asDevice.privacy.deleteAccount({ password: TEST_PASSWORD }),
      () => asDevice.privacy.anonymize({ password: TEST_PASSWORD }),
      () => asDevice.devices.approveAuthorization({ userCode: started.userCode }),
      () => asDevice.devices.denyAuthorization({ userCode: started.userCode }),
    ]) {
      expect(await errorOf(attempt)).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("in the browser") });
    }
    expect(await caller.auth.me()).toMatchObject({ id: user.id });
    expect(await caller.devices.approveAuthorization({ userCode: started.userCode })).toMatchObject({ status: "approved" });
  });

  // Two fully used accounts (devices, sync, an integration, jobs) on embedded PGlite take seconds each, more while the
  // other Vitest pass shares the cores: 20 s was not enough there in CI.
  it("empties every user-owned table for that user (derived from the schema), ends its tokens, and leaves other users alone", { timeout: 60_000 }, async () => {
    const db = await getDb();
    const doomed = await fullyUsedAccount("delete-me");
    const bystander = await fullyUsedAccount("keep-me");
    // A sleeping run of the user's, with a completed step, and the event that started it.
    const doomedRun = randomUUID();
    await db.insert(jobRuns).values({ runId: doomedRun, userId: doomed.user.id, functionId: "x", eventName: "x", status: "sleeping", event: { name: "x", data: { userId: doomed.user.id } } });
    await db.insert(jobSteps).values({ runId: doomedRun, stepKey: "first", output: { commits: 3 } });
    await db.insert(jobEvents).values({ id: randomUUID(), userId: doomed.user.id, name: "x", data: { userId: doomed.user.id } });
    const before = await rowsOf(doomed.user.id);
    // The fixture really fills the tables the deletion must reach.
    for (const table of ["sync_records", "sync_revisions", "sync_conflicts", "sync_keys", "devices", "integrations", "integration_tokens", "external_data_cache", "consents", "processing_log", "privacy_settings", "job_runs", "job_events"]) {
      expect(before[table], table).toBeGreaterThan(0);
    }
    // The accounts' own background work (their new-device notices going out) settles before the bystander is counted.
    await getJobRunner().idle();
    const bystanderBefore = await rowsOf(bystander.user.id);
    expect((await db.select().from(syncConflicts).where(eq(syncConflicts.userId, doomed.user.id))).length).toBe(1);

    await expect(doomed.caller.privacy.deleteAccount({ password: TEST_PASSWORD })).resolves.toEqual({ deleted: true });

    const after = await rowsOf(doomed.user.id);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await db.select().from(jobSteps).where(eq(jobSteps.runId, doomedRun))).toEqual([]); // with the run (job_steps has no user_id)
    expect(await db.select().from(users).where(eq(users.id, doomed.user.id))).toEqual([]);
    expect(await db.select().from(loginAttempts).where(eq(loginAttempts.email, doomed.user.email))).toEqual([]);
    expect(await rowsOf(bystander.user.id)).toEqual(bystanderBefore);
    expect(await db.select().from(loginAttempts).where(eq(loginAttempts.email, bystander.user.email))).toHaveLength(1);
    // Sessions and device tokens end with the account.
    const asBrowser = await routeFetch({ cookie: await sessionCookieFor(doomed.user) })("http://localhost:3000/api/trpc/auth.me");
    expect(asBrowser.status).toBe(401);
    await expect(authenticateDeviceToken(db, doomed.deviceToken)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("anonymizing", () => {
  it("keeps only counts without any identifier, and deletes the account", { timeout: 60_000 }, async () => {
    const db = await getDb();
    const { user, caller } = await fullyUsedAccount("anonymize-me");
    const before = await db.select().from(anonymousAggregates);
    await expect(caller.privacy.anonymize({ password: TEST_PASSWORD })).resolves.toEqual({ anonymized: true });
    const added = (await db.select().from(anonymousAggregates)).filter((row) => !before.some((old) => old.id === row.id));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ devices: 3, integrations: ["github"], commits: 1, syncedRecords: { projects: 1, activities: 1 } });
    const text = JSON.stringify(added[0]);
    for (const identifier of [user.id, user.email, "anonymize-me-login"]) expect(text).not.toContain(identifier);
    const left = await rowsOf(user.id);
    expect(Object.keys(left).length).toBeGreaterThan(15);
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
  });
});
