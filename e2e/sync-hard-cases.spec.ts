import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createCli } from "./cli";
import postgres from "postgres";
import { ARTIFACTS, browserApi, desktopDevice, signUp, SYNC_PASSPHRASE } from "./support";

/**
 * The sync core's hard cases (issue 22) through the reference CLI against the built
 * server: a device that comes back after the retention period, and a key rotation
 * after a device was revoked.
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

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `p${String(from + i).padStart(2, "0")}`);

test("a CLI device offline past the retention period comes back: nothing resurrected, edits arrive, its offline edit of a deleted record is one conflict", async ({ page, baseURL }) => {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  test.skip(!databaseUrl, "ages the synced history in the server's database: runs on the Postgres server run (PGlite's folder is the server's alone)");
  test.setTimeout(90_000);
  const work = mkdtempSync(join(tmpdir(), "devpulse-horizon-e2e-"));
  const laptop = join(work, "laptop");
  const desktop = join(work, "desktop");
  const email = await signUp(page, "horizon");
  await loginDevice(page, baseURL!, laptop, "Laptop");
  await loginDevice(page, baseURL!, desktop, "Desktop");

  // 60 projects on both devices.
  const projects = Object.fromEntries(ids(1, 60).map((id) => [id, { name: `Project ${id}` }]));
  expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects })]))).toMatchObject({ pushed: 60, conflicts: 0 });
  expect((await syncAndRead(desktop)).data.projects).toEqual(projects);

  await test.step("the desktop goes offline and edits p01 there; the laptop deletes p01–p50 and edits p51–p55", async () => {
    const configPath = join(desktop, "config.json");
    const online = readFileSync(configPath, "utf8");
    writeFileSync(configPath, online.replace(baseURL!, "http://127.0.0.1:9")); // nothing listens on port 9
    const offline = await cli(desktop, ["push", writeJson(work, { projects: { p01: { name: "Project p01, edited offline" } } })]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain("Cannot reach the DevPulse server: 1 change(s) kept on this device");
    writeFileSync(configPath, online);

    expect(lastJson(await cli(laptop, ["delete", "projects", ...ids(1, 50)]))).toMatchObject({ staged: 50, pushed: 50 });
    const edits = Object.fromEntries(ids(51, 55).map((id) => [id, { name: `Project ${id}, renamed` }]));
    expect(lastJson(await cli(laptop, ["push", writeJson(work, { projects: edits })]))).toMatchObject({ pushed: 5 });
  });

  await test.step("retention (1 day) trims the deletions, which happened two days ago", async () => {
    await (await browserApi(page, baseURL!)).privacy.updateSettings.mutate({ retentionPolicy: { cloudRetentionDays: 1 } });
    const sql = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const [user] = await sql<{ id: string }[]>`select id from users where email = ${email}`;
      // The deletions are two days old: the only way to have that in a test is to age them where they are stored.
      await sql`update sync_records set updated_at = now() - interval '2 days' where user_id = ${user!.id} and deleted`;
      await sql`update sync_revisions r set created_at = now() - interval '2 days' from sync_records d
                where d.user_id = ${user!.id} and d.deleted and r.user_id = d.user_id and r.collection = d.collection and r.record_id = d.record_id`;
      // The daily schedule queues one trim run per user (fanOut). The test queues that run for this user, as that
      // tick would (runRow in src/server/jobs/store.ts): the server's job engine picks it up from its durable queue and runs the real job.
      const runId = randomUUID();
      const event = { name: "sync/history.trim-requested", data: { userId: user!.id }, id: `e2e ${runId}`, ts: Date.now() };
      await sql`insert into job_runs (run_id, user_id, function_id, event_name, status, event, next_at, started_at, concurrency_key)
                values (${runId}, ${user!.id}, 'trim-sync-history', ${event.name}, 'queued', ${sql.json(event)}, now(), now(), ${user!.id})`;
      await expect
        .poll(async () => (await sql<{ status: string }[]>`select status from job_runs where run_id = ${runId}`)[0]?.status, { timeout: 30_000 })
        .toBe("completed");
      const [run] = await sql<{ output: Record<string, number> }[]>`select output from job_runs where run_id = ${runId}`;
      expect(run!.output).toMatchObject({ retentionDays: 1, expiredTombstones: 50, expiredRecords: 0 });
    } finally {
      await sql.end();
    }
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
