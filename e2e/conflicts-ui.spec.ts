import { createHash } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { createDevPulseClient } from "../src/client";
import { ARTIFACTS, authorizedDevice, browserApi, desktopDevice, signUp, unlockInBrowser } from "./support";

/**
 * The conflicts page beyond one conflict: more than a page of them, bulk actions that
 * say how many they cover, the merge rules panel, the resolver's live warning, the
 * keyboard on the status tabs, retry when the list cannot load, and a version that does not open.
 */

/** Two devices of the signed-in user that edited the same `ids` projects: one open conflict each (projects wait for a person). */
async function conflictsOn(page: Page, baseURL: string, ids: string[]) {
  const laptop = await desktopDevice(page, baseURL, "Laptop");
  for (const id of ids) await laptop.put("projects", id, { name: `${id} v1` });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL, "Desktop");
  await desktop.sync();
  for (const id of ids) await laptop.put("projects", id, { name: `${id} from laptop` });
  await laptop.sync();
  for (const id of ids) await desktop.put("projects", id, { name: `${id} from desktop` });
  expect((await desktop.sync()).openConflicts).toHaveLength(ids.length);
  return { laptop, desktop };
}

test("137 conflicts: the list loads more, and keep theirs states and covers all 137; the status tabs work with the keyboard", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signUp(page, "conflicts-many");
  await conflictsOn(page, baseURL!, Array.from({ length: 137 }, (_, i) => `p${i}`));

  await page.goto("/conflicts");
  const open = page.getByRole("list", { name: "Open conflicts" }).getByRole("listitem");
  await expect(open).toHaveCount(100);
  await expect(page.getByText("Showing 100 of 137")).toBeVisible();
  await expect(open.first()).toContainText("Projects / p"); // the collection's name, not its key
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(open).toHaveCount(137);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);

  await page.getByRole("checkbox", { name: "Select all 137" }).check();
  await expect(page.getByText("All 137 matching conflicts selected")).toBeVisible();
  await page.getByRole("button", { name: "Keep theirs for all 137" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading")).toHaveText("Keep theirs for all 137 matching conflicts?");
  await page.screenshot({ path: `${ARTIFACTS}/conflicts-bulk-137.png` });
  await dialog.getByRole("button", { name: "Resolve all 137 matching conflicts" }).click();
  await expect(page.getByText("Resolved 137 conflicts")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText("Everything is in sync")).toBeVisible();

  // WAI-ARIA tabs: one tab stop, arrows select and move focus, each tab controls its panel
  const openTab = page.getByRole("tab", { name: "Open" });
  const resolvedTab = page.getByRole("tab", { name: "Resolved" });
  await openTab.focus();
  await page.keyboard.press("ArrowRight");
  await expect(resolvedTab).toBeFocused();
  await expect(resolvedTab).toHaveAttribute("aria-selected", "true");
  await expect(openTab).toHaveAttribute("tabindex", "-1");
  const panel = page.getByRole("tabpanel", { name: "Resolved" });
  await expect(panel.getByRole("list", { name: "Resolved conflicts" }).getByRole("listitem").first()).toContainText("resolved: kept theirs");
  expect(await resolvedTab.getAttribute("aria-controls")).toBe(await panel.getAttribute("id"));
  await page.keyboard.press("ArrowRight"); // wraps
  await expect(openTab).toBeFocused();
  await page.keyboard.press("End");
  await expect(resolvedTab).toBeFocused();
  await page.keyboard.press("Home");
  await expect(openTab).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("tabpanel", { name: "Open" })).toContainText("Everything is in sync");
});

test("a merge rule set in the panel persists after a reload and is what the API returns", async ({ page, baseURL }) => {
  await signUp(page, "conflicts-rules");
  await page.goto("/conflicts");
  const focus = page.getByRole("combobox", { name: "Focus sessions" });
  await expect(focus).toHaveValue("merge");
  await expect(page.getByText(/Changes to different fields are combined automatically/).first()).toBeVisible();
  await focus.selectOption({ label: "Keep both" });
  await expect(page.getByText("Saved: Focus sessions now use “Keep both”.")).toBeVisible();
  await expect(focus).toHaveAccessibleDescription(/saved as a separate copy/);
  await page.screenshot({ path: `${ARTIFACTS}/conflicts-rules.png`, fullPage: true });

  await page.reload();
  await expect(page.getByRole("combobox", { name: "Focus sessions" })).toHaveValue("append_only");
  const rules = await (await browserApi(page, baseURL!)).conflicts.rules.get.query();
  expect(rules).toMatchObject({ focus_sessions: "append_only", projects: "manual" });
});

test("the resolver warns when the record changes while it is open, blocks the save, and reloads the latest", async ({ page, baseURL }) => {
  await signUp(page, "conflicts-live");
  const { laptop } = await conflictsOn(page, baseURL!, ["devpulse"]);
  await page.goto("/conflicts");
  await page.getByRole("list", { name: "Open conflicts" }).getByRole("link").first().click();
  await unlockInBrowser(page);
  const table = page.getByRole("table");
  await expect(table.getByRole("row", { name: /^name/ })).toContainText("devpulse from laptop");

  await laptop.put("projects", "devpulse", { name: "devpulse newest" });
  await laptop.sync();
  const warning = page.getByRole("status").filter({ hasText: "This record changed while you were looking at it" });
  await expect(warning).toBeVisible(); // no reload
  await expect(page.getByRole("button", { name: "Save this result" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Keep mine" })).toBeDisabled();
  await page.screenshot({ path: `${ARTIFACTS}/conflict-changed-live.png`, fullPage: true });

  await warning.getByRole("button", { name: "Reload the latest" }).click();
  await expect(warning).toHaveCount(0);
  await expect(table.getByRole("row", { name: /^name/ })).toContainText("devpulse newest");
  await page.getByRole("button", { name: "Keep theirs" }).click();
  await expect(page).toHaveURL(/\/conflicts$/);
  await expect(page.getByText("Everything is in sync")).toBeVisible();
});

test("when the conflict list cannot load, Try again loads it", async ({ page }) => {
  await signUp(page, "conflicts-retry");
  const failing = (url: URL) => url.pathname.includes("conflicts.list");
  await page.route(failing, (route) => route.abort());
  await page.goto("/conflicts");
  const error = page.getByRole("alert").filter({ hasText: "Could not load conflicts" });
  await expect(error).toBeVisible({ timeout: 30_000 });
  await page.unroute(failing);
  await error.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByText("Everything is in sync")).toBeVisible();
});

test("a conflict with a version that does not open names it and offers to keep the side that does", async ({ page, baseURL }) => {
  await signUp(page, "conflicts-unreadable");
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  await laptop.put("projects", "broken", { name: "broken v1" });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL!, "Desktop");
  await desktop.sync();
  // another client, speaking the API directly, saves the project with an envelope this user's key did not make
  const buggy = await authorizedDevice(page, baseURL!, "Buggy client");
  const envelope = "dp2.A256GCM.1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA";
  await createDevPulseClient({ url: baseURL!, token: buggy.token }).sync.push.mutate({
    idempotencyKey: `buggy-${Date.now()}`,
    deviceId: buggy.deviceId,
    changes: [{ collection: "projects", id: "broken", baseRevision: 1, ciphertext: envelope, checksum: createHash("sha256").update(envelope).digest("hex"), schemaVersion: 1, deleted: false }],
  });
  await desktop.put("projects", "broken", { name: "broken, fixed on the desktop" });
  expect(await desktop.sync()).toMatchObject({ openConflicts: [expect.any(String)], unreadable: [{ id: "broken", revision: 2 }] });

  await page.goto("/conflicts");
  await page.getByRole("list", { name: "Open conflicts" }).getByRole("link").first().click();
  await unlockInBrowser(page);
  await expect(page.getByRole("alert").filter({ hasText: "The server's version cannot be decrypted" })).toContainText("you can keep a version that opened");
  await expect(page.getByRole("button", { name: "Keep theirs" })).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/conflict-unreadable-version.png`, fullPage: true });
  // the record's history shows each revision as it opens: the bad one says so, the first stays restorable
  await page.getByRole("link", { name: "Record history" }).click();
  const revisions = page.getByRole("list", { name: "Revisions" }).getByRole("listitem");
  await expect(revisions.first()).toContainText("Cannot be decrypted");
  await expect(revisions.last()).toContainText('"name": "broken v1"');
  await expect(page.getByRole("button", { name: "Restore revision 1" })).toBeVisible();
  await page.goBack();
  await page.getByRole("button", { name: "Keep mine" }).click();
  await expect(page).toHaveURL(/\/conflicts$/);
  await expect(page.getByText("Everything is in sync")).toBeVisible();
  await expect(laptop.sync()).resolves.toMatchObject({ unreadable: [] });
  expect(await laptop.get("projects", "broken")).toEqual({ name: "broken, fixed on the desktop" });
});
