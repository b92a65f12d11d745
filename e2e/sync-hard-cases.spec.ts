import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { envelopeKeyId } from "../src/lib/crypto";
import type { CollectionSchemas, Json } from "../src/client";
import { createCli } from "./cli";
import { serverWithStorage } from "./server-storage";
import { ARTIFACTS, browserApi, desktopDevice, signUp, SYNC_PASSPHRASE, unlockInBrowser } from "./support";

/**
 * The sync core's hard cases (issue 22) against the built server, on whichever database
 * the run uses: a CLI device that comes back after the retention period; a key rotation
 * after a device was revoked, from the CLI and from the web app; and the conflict page
 * comparing a version from an older app with a newer one.
 */

const { cli, lastJson, loginDevice } = createCli(SYNC_PASSPHRASE);

/** `devpulse sync --out`: the device's whole data set afterwards, with the sync's summary. */
async function syncAndRead(configDir: string) {
  const out = join(configDir, `data-${randomUUID()}.json`);
  const summary = lastJson(await cli(configDir, ["sync", "--out", out]));
  return { summary, data: JSON.parse(readFileSync(out, "utf8")) as { projects?: Record<string, unknown> } };
}

function writeJson(folder: string, value: unknown): string {
  const file = join(folder, `${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Version 2 of projects adds `tags`, a field version 1 apps do not know (as in tests/integration/sync-schemas.test.ts). */
const WITH_TAGS: CollectionSchemas = { projects: { version: 2, migrate: { 2: (v) => ({ ...(v as Record<string, Json>), tags: (v as Record<string, Json>).tags ?? [] }) } } };

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `p${String(from + i).padStart(2, "0")}`);

test("a CLI device offline past the retention period comes back: nothing resurrected, edits arrive, its offline edit of a deleted record is one conflict", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  // On PGlite, its own server, stopped and restarted around the one change no API makes (see serverWithStorage).
  const server = await serverWithStorage(baseURL!);
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    const work = mkdtempSync(join(tmpdir(), "devpulse-horizon-e2e-"));
    const laptop = join(work, "laptop");
    const desktop = join(work, "desktop");
    const email = await signUp(page, "horizon");
    await loginDevice(page, server.baseURL, laptop, "Laptop");
    await loginDevice(page, server.baseURL, desktop, "Desktop");

    // 60 projects on both devices.
    const projects = Object.fromEntries(ids(1, 60).map((id) => [id, { name: `Project ${id}` }]));
    expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects })]))).toMatchObject({ pushed: 60, conflicts: 0 });
    expect((await syncAndRead(desktop)).data.projects).toEqual(projects);

    await test.step("the desktop goes offline and edits p01 there; the laptop deletes p01–p50 and edits p51–p55", async () => {
      const configPath = join(desktop, "config.json");
      const online = readFileSync(configPath, "utf8");
      writeFileSync(configPath, online.replace(server.baseURL, "http://127.0.0.1:9")); // nothing listens on port 9
      const offline = await cli(desktop, ["push", writeJson(work, { projects: { p01: { name: "Project p01, edited offline" } } })]);
      expect(offline.code).toBe(1);
      expect(offline.stderr).toContain("Cannot reach the DevPulse server: 1 change(s) kept on this device");
      writeFileSync(configPath, online);

      expect(lastJson(await cli(laptop, ["delete", "projects", ...ids(1, 50)]))).toMatchObject({ staged: 50, pushed: 50 });
      const edits = Object.fromEntries(ids(51, 55).map((id) => [id, { name: `Project ${id}, renamed` }]));
      expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects: edits })]))).toMatchObject({ pushed: 5 });
    });

    await test.step("retention (1 day) trims the deletions, which happened two days ago", async () => {
      const api = await browserApi(page, server.baseURL);
      await api.privacy.updateSettings.mutate({ retentionPolicy: { cloudRetentionDays: 1 } });
      const runId = randomUUID();
      await server.editStorage(async (sql) => {
        const [user] = await sql<{ id: string }>("select id from users where email = $1", [email]);
        // The deletions are two days old: the only way to have that in a test is to age them where they are stored.
        await sql("update sync_records set updated_at = now() - interval '2 days' where user_id = $1 and deleted", [user!.id]);
        await sql(
          `update sync_revisions r set created_at = now() - interval '2 days' from sync_records d
           where d.user_id = $1 and d.deleted and r.user_id = d.user_id and r.collection = d.collection and r.record_id = d.record_id`,
          [user!.id],
        );
        // The daily schedule queues one trim run per user (fanOut). The test queues that run for this user, as that tick
        // would (runRow in src/server/jobs/store.ts): the server's job engine picks it up from its durable queue and runs the real job.
        const event = { name: "sync/history.trim-requested", data: { userId: user!.id }, id: `e2e ${runId}`, ts: Date.now() };
        await sql(
          `insert into job_runs (run_id, user_id, function_id, event_name, status, event, next_at, started_at, concurrency_key)
           values ($1, $2, 'trim-sync-history', $3, 'queued', $4::text::jsonb, now(), now(), $5)`,
          [runId, user!.id, event.name, JSON.stringify(event), user!.id],
        );
      });
      // The user's own view of their background jobs shows the run and what it deleted.
      const trimRun = async () => (await api.jobs.runs.query()).runs.find((run) => run.runId === runId);
      await expect.poll(async () => (await trimRun())?.status, { timeout: 30_000 }).toBe("completed");
      expect((await trimRun())?.output).toMatchObject({ retentionDays: 1, expiredTombstones: 50, expiredRecords: 0 });
    });

    await test.step("the desktop syncs: p01–p50 stay deleted, the five edits arrive, p01's offline edit is one delete conflict", async () => {
      const { summary, data } = await syncAndRead(desktop);
      expect(summary).toMatchObject({ conflicts: 1, autoResolved: 0 });
      const expected = { ...Object.fromEntries(ids(51, 55).map((id) => [id, { name: `Project ${id}, renamed` }])), ...Object.fromEntries(ids(56, 60).map((id) => [id, projects[id]])) };
      expect(data.projects).toEqual(expected);
      const conflicts = lastJson(await cli(desktop, ["conflicts"])) as unknown as Array<Record<string, unknown>>;
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]).toMatchObject({ type: "delete_conflict", collection: "projects", recordId: "p01", deviceName: "Desktop" });
      expect(lastJson(await cli(desktop, ["status"]))).toMatchObject({ pending: 0, openConflicts: 1, records: 10 });
      // And the server did not take anything back: the laptop still has the same ten.
      expect((await syncAndRead(laptop)).data.projects).toEqual(expected);
    });
  } finally {
    await context.close();
    await server.close();
  }
});

test("after revoking a device, `devpulse rotate-key --purge` re-keys everything; the revoked CLI is refused, a device that missed it recovers with the passphrase", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  const work = mkdtempSync(join(tmpdir(), "devpulse-rotate-e2e-"));
  const laptop = join(work, "laptop");
  const lost = join(work, "lost");
  await signUp(page, "rotate");
  await loginDevice(page, baseURL!, laptop, "Laptop");
  await loginDevice(page, baseURL!, lost, "Lost laptop");
  // The desktop app stays open and unlocked through the rotation (the CLI unlocks afresh on every command).
  const tablet = await desktopDevice(page, baseURL!, "Tablet");

  const projects = { website: { name: "Website" }, api: { name: "API" }, docs: { name: "Docs" } };
  lastJson(await cli(laptop, ["push", writeJson(work, { projects })]));
  expect((await syncAndRead(lost)).data.projects).toEqual(projects);
  await tablet.sync();

  await test.step("revoked on the devices page, which offers the rotation", async () => {
    await page.goto("/settings/devices");
    await page.getByRole("button", { name: "Revoke Lost laptop" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke device" }).click();
    const signedOut = page.getByRole("status").filter({ hasText: "“Lost laptop” was signed out" });
    await signedOut.getByRole("button", { name: "Rotate encryption key" }).click();
    const panel = page.getByRole("region", { name: "Rotate encryption key" });
    await expect(panel.getByLabel("Sync passphrase")).toBeFocused();
    await page.screenshot({ path: `${ARTIFACTS}/devices-rotate-key-offered.png`, fullPage: true });
  });

  await test.step("the CLI rotates the key and purges what is left under the old one", async () => {
    const progress: Array<Record<string, unknown>> = [];
    const rotated = lastJson(await cli(laptop, ["rotate-key", "--purge"], (event) => event.event === "progress" && progress.push(event)));
    expect(rotated).toMatchObject({ event: "rotated", keyId: 2, resumed: false, reencrypted: 3 });
    expect(progress.at(-1)).toMatchObject({ remaining: 0 });
    expect(await (await browserApi(page, baseURL!)).sync.rotation.status.query()).toMatchObject({ currentKeyId: 2, remaining: { records: 0, conflicts: 0 } });
  });

  await test.step("the revoked device's CLI is refused", async () => {
    const refused = await cli(lost, ["sync"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^devpulse: .+/);
  });

  await test.step("the tablet, unlocked under the old key, is told to unlock again; with the passphrase its edit goes through", async () => {
    await tablet.put("projects", "docs", { name: "Docs, from the tablet" });
    await expect(tablet.sync()).rejects.toThrow("Your encryption key was rotated on another device: unlock again with your sync passphrase");
    expect(tablet.isUnlocked).toBe(false);
    await tablet.unlock(SYNC_PASSPHRASE);
    expect(await tablet.sync()).toMatchObject({ pushed: 1, conflicts: 0 });
  });

  await test.step("the laptop's next CLI sync reads everything under the new key", async () => {
    expect((await syncAndRead(laptop)).data.projects).toEqual({ ...projects, docs: { name: "Docs, from the tablet" } });
    expect(lastJson(await cli(laptop, ["status"]))).toMatchObject({ pending: 0, openConflicts: 0 });
  });
});

test("after revoking a device, the web app rotates the key with progress and a purge; the CLI and a device that missed it carry on with the passphrase, and every record is under the new key id", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const work = mkdtempSync(join(tmpdir(), "devpulse-rotate-web-e2e-"));
  const laptop = join(work, "laptop");
  const lost = join(work, "lost");
  await signUp(page, "rotate-web");
  await loginDevice(page, baseURL!, laptop, "Laptop");
  await loginDevice(page, baseURL!, lost, "Lost laptop");
  const tablet = await desktopDevice(page, baseURL!, "Tablet");

  // 150 projects: more than one batch of the web app's rotation (100 items per request). Five are renamed
  // once, so each keeps an older revision under the old key, for the purge.
  const projects = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`w${String(i).padStart(3, "0")}`, { name: `Project ${i}` }]));
  expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects })]))).toMatchObject({ pushed: 150 });
  const renamed = Object.fromEntries(["w000", "w001", "w002", "w003", "w004"].map((id) => [id, { name: `${projects[id]!.name}, renamed` }]));
  expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects: renamed })]))).toMatchObject({ pushed: 5 });
  const expected: Record<string, unknown> = { ...projects, ...renamed };
  expect((await syncAndRead(lost)).data.projects).toEqual(expected);
  await tablet.sync();
  const api = await browserApi(page, baseURL!);
  expect((await api.conflicts.history.query({ collection: "projects", recordId: "w000" })).revisions).toHaveLength(2);

  const panel = page.getByRole("region", { name: "Rotate encryption key" });
  await test.step("the lost laptop is revoked on the devices page, which offers the rotation", async () => {
    await page.goto("/settings/devices");
    await page.getByRole("button", { name: "Revoke Lost laptop" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke device" }).click();
    await page.getByRole("status").filter({ hasText: "“Lost laptop” was signed out" }).getByRole("button", { name: "Rotate encryption key" }).click();
    await expect(panel.getByLabel("Sync passphrase")).toBeFocused();
  });

  await test.step("the browser rotates: passphrase, purge chosen, confirmed, progress between batches, then done", async () => {
    // The second batch waits until the test has seen the first one's progress, as on a slow connection:
    // otherwise 150 items are done before any assertion could look.
    let releaseSecondBatch!: () => void;
    const secondBatch = new Promise<void>((resolve) => (releaseSecondBatch = resolve));
    let batches = 0;
    await page.route(/\/api\/trpc\/[^?]*sync\.rotation\.reencrypt/, async (route) => {
      if (++batches === 2) await secondBatch;
      await route.continue();
    });
    try {
      await panel.getByLabel("Sync passphrase").fill(SYNC_PASSPHRASE);
      await panel.getByRole("checkbox", { name: "Delete older versions still under the old key when done" }).check();
      await panel.getByRole("button", { name: "Rotate encryption key" }).click();
      const confirm = page.getByRole("dialog");
      await expect(confirm.getByRole("heading")).toHaveText("Rotate your encryption key?");
      await expect(confirm).toContainText("older versions still under the old key are deleted for good");
      await confirm.getByRole("button", { name: "Rotate key" }).click();
      const progress = panel.getByRole("progressbar", { name: "Re-encrypting: 100 of 150" });
      await expect(progress).toBeVisible();
      await expect(progress).toHaveAttribute("value", "100");
      await expect(panel.getByLabel("Sync passphrase")).toBeDisabled();
      await page.screenshot({ path: `${ARTIFACTS}/devices-rotate-key-progress.png`, fullPage: true });
    } finally {
      releaseSecondBatch();
    }
    await expect(panel.getByRole("status")).toHaveText(
      "Encryption key rotated: everything is under key 2 now (150 items re-encrypted, 5 old revisions deleted). The old key reads nothing written from now on.",
      { timeout: 30_000 },
    );
    expect(batches).toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}/devices-rotate-key-done.png`, fullPage: true });
    expect(await api.sync.rotation.status.query()).toMatchObject({
      currentKeyId: 2,
      rotation: { fromKeyId: 1, toKeyId: 2, status: "finished" },
      remaining: { records: 0, conflicts: 0, revisions: 0 },
    });
  });

  await test.step("the revoked laptop's CLI is refused", async () => {
    const refused = await cli(lost, ["sync"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^devpulse: .+/);
  });

  await test.step("the tablet, unlocked under the old key, is refused until it unlocks again with the passphrase; then its edit goes through", async () => {
    await tablet.put("projects", "w010", { name: "Project 10, from the tablet" });
    await expect(tablet.sync()).rejects.toThrow("Your encryption key was rotated on another device: unlock again with your sync passphrase");
    expect(tablet.isUnlocked).toBe(false);
    await tablet.unlock(SYNC_PASSPHRASE);
    expect(await tablet.sync()).toMatchObject({ pushed: 1, conflicts: 0 });
    expected.w010 = { name: "Project 10, from the tablet" };
  });

  await test.step("the laptop's CLI reads everything with the passphrase; the server holds every record, and no older revision, under key 2", async () => {
    expect((await syncAndRead(laptop)).data.projects).toEqual(expected);
    expect(lastJson(await cli(laptop, ["status"]))).toMatchObject({ pending: 0, openConflicts: 0, records: 150 });
    // What any device pulls: each record with the key id the server tracks, and the key id its envelope names.
    const pulled = await api.sync.pull.query({ cursor: 0, limit: 1000 });
    expect(pulled.hasMore).toBe(false);
    expect(pulled.changes).toHaveLength(150);
    for (const change of pulled.changes) {
      expect(change.keyId, change.id).toBe(2);
      expect(envelopeKeyId(change.ciphertext!), change.id).toBe(2);
    }
    // The purge removed the renamed records' first revisions, which were under key 1.
    const history = await api.conflicts.history.query({ collection: "projects", recordId: "w000" });
    expect(history.revisions.map((revision: { revision: number; ciphertext: string | null }) => [revision.revision, envelopeKeyId(revision.ciphertext!)])).toEqual([[2, 2]]);
  });
});

test("the conflict page says which side came from an older app, compares the two by field name, and the saved result keeps the newer app's field", async ({ page, baseURL }) => {
  // The web app knows no schema step of the app's collections (COLLECTION_MIGRATIONS is empty: no collection
  // has changed shape), so the real page compares by name; the upgraded comparison is tested on compareConflictVersions.
  await signUp(page, "older-app");
  const olderApp = await desktopDevice(page, baseURL!, "Old desktop");
  // The newer app's projects are at schema 2, which adds tags.
  const newerApp = await desktopDevice(page, baseURL!, "New laptop", { schemas: WITH_TAGS });
  await olderApp.put("projects", "devpulse", { name: "DevPulse", color: "red" });
  await olderApp.sync();
  await newerApp.sync();
  await newerApp.put("projects", "devpulse", { name: "DevPulse", color: "red", tags: ["work"] });
  await newerApp.sync();
  // Offline, the older app recolours the project before it learns of the newer version; projects wait for a person.
  await olderApp.put("projects", "devpulse", { name: "DevPulse", color: "blue" });
  expect((await olderApp.sync()).openConflicts).toHaveLength(1);

  await page.goto("/conflicts");
  await page.getByRole("list", { name: "Open conflicts" }).getByRole("listitem").filter({ hasText: "devpulse" }).getByRole("link").click();
  await expect(page.getByText("Schema: this device 1 · server 2")).toBeVisible();
  await unlockInBrowser(page);
  const notice = page.getByRole("status").filter({ hasText: "This device's version came from an older app" });
  await expect(notice).toContainText(
    "It was saved under schema 1, the other under schema 2, and this page does not know how to convert between them, so fields are compared by name. " +
      "A field only the newer app knows shows as missing on the older side, and the merge keeps it.",
  );
  const table = page.getByRole("table");
  await expect(table.getByRole("row", { name: /^color/ })).toContainText("changed on this device");
  await expect(table.getByRole("row", { name: /^tags/ })).toContainText("changed on the server");
  await expect(page.getByText("“Keep mine” puts the older app's version back: fields only the newer app knows are dropped.")).toBeVisible();
  const merged = { name: "DevPulse", color: "blue", tags: ["work"] };
  await expect.poll(async () => JSON.parse(await page.getByLabel("Resolved JSON").inputValue())).toEqual(merged);
  await page.screenshot({ path: `${ARTIFACTS}/conflict-older-app.png`, fullPage: true });

  await page.getByRole("button", { name: "Save this result" }).click();
  await expect(page).toHaveURL(/\/conflicts$/);
  await newerApp.sync();
  expect(await newerApp.getRecord("projects", "devpulse")).toEqual({ value: merged, schemaVersion: 2, readOnly: false });
  // The older app gets the result whole, read-only: it never writes it back under schema 1.
  await olderApp.sync();
  expect(await olderApp.getRecord("projects", "devpulse")).toEqual({ value: merged, schemaVersion: 2, readOnly: true });
});
