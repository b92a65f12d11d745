import { expect, test } from "@playwright/test";
import { ARTIFACTS, desktopDevice, signUp, unlockInBrowser } from "./support";

/**
 * Conflicts in the browser: two devices of one user (the client SDK, as the desktop
 * app) produce a conflict; the person unlocks in the browser, picks fields by hand and
 * submits; a device pulls and decrypts exactly the chosen JSON. Then a rollback.
 */

test("a conflict is resolved field by field in the browser and every device gets exactly the chosen JSON", async ({ page, baseURL }) => {
  await signUp(page, "conflicts");
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  await laptop.put("projects", "devpulse", { name: "DevPulse", color: "blue", path: "/src/devpulse" });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL!, "Desktop");
  await desktop.sync();

  // both edit the project; projects wait for a person by default
  await laptop.put("projects", "devpulse", { name: "DevPulse (laptop)", color: "blue", path: "/work/devpulse" });
  await laptop.sync();
  await desktop.put("projects", "devpulse", { name: "DevPulse (desktop)", color: "green", path: "/src/devpulse" });
  const result = await desktop.sync();
  expect(result.openConflicts).toHaveLength(1);

  await page.goto("/conflicts");
  const row = page.getByRole("list", { name: "Open conflicts" }).getByRole("listitem").filter({ hasText: "devpulse" });
  await expect(row).toContainText("Desktop");
  await expect(row).toContainText("Edited on both sides");
  await page.screenshot({ path: `${ARTIFACTS}/conflicts-list.png`, fullPage: true });

  await row.getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Resolve conflict" })).toBeVisible();
  await page.getByLabel("Sync passphrase").fill("not the passphrase");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Wrong passphrase");
  await unlockInBrowser(page);

  const table = page.getByRole("table");
  await expect(table.getByRole("row", { name: /^name/ })).toContainText("changed on both");
  await expect(table.getByRole("row", { name: /^color/ })).toContainText("changed on this device");
  await expect(table.getByRole("row", { name: /^path/ })).toContainText("changed on the server");
  // by hand: the server's name with this device's colour — a result neither side had; the path merges by itself
  await page.getByLabel("Keep the server's name").check();
  await page.getByLabel("Keep this device's color").check();
  const chosen = { name: "DevPulse (laptop)", color: "green", path: "/work/devpulse" };
  await expect.poll(async () => JSON.parse(await page.getByLabel("Resolved JSON").inputValue())).toEqual(chosen);
  await page.screenshot({ path: `${ARTIFACTS}/conflict-resolve.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole("button", { name: "Save this result" })).toBeVisible();
  // the page itself must not scroll sideways on a phone (the comparison table scrolls inside its card)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/conflict-resolve-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // direct JSON editing is validated against the collection's schema
  await page.getByLabel("Resolved JSON").fill(JSON.stringify({ color: "red" }));
  await expect(page.getByText(/name: .*expected string/i)).toBeVisible();
  await expect(page.getByRole("button", { name: "Save this result" })).toBeDisabled();
  await page.getByLabel("Keep the server's name").click(); // choosing again regenerates the result from the table
  await expect.poll(async () => JSON.parse(await page.getByLabel("Resolved JSON").inputValue())).toEqual(chosen);

  await page.getByRole("button", { name: "Save this result" }).click();
  await expect(page).toHaveURL(/\/conflicts$/);
  await expect(page.getByText("Everything is in sync")).toBeVisible();

  for (const device of [laptop, desktop]) {
    await device.sync();
    expect(await device.get("projects", "devpulse")).toEqual(chosen);
  }
});

test("a record is rolled back from its history, and the rollback is undone", async ({ page, baseURL }) => {
  await signUp(page, "conflicts");
  const device = await desktopDevice(page, baseURL!, "Laptop");
  for (const name of ["first", "second", "third"]) {
    await device.put("settings", "editor", { theme: name });
    await device.sync();
  }

  await page.goto("/conflicts/history/settings/editor");
  await unlockInBrowser(page);
  const revisions = page.getByRole("list", { name: "Revisions" });
  await expect(revisions.getByRole("listitem")).toHaveCount(3);
  await expect(revisions.getByRole("listitem").first()).toContainText('"theme": "third"');
  await page.screenshot({ path: `${ARTIFACTS}/record-history.png`, fullPage: true });

  await page.getByRole("button", { name: "Restore revision 1" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Restore revision" }).click();
  await expect(page.getByText("Restored revision 1 as revision 4")).toBeVisible();
  await device.sync();
  expect(await device.get("settings", "editor")).toEqual({ theme: "first" });

  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByText("Restored revision 3 as revision 5")).toBeVisible();
  await device.sync();
  expect(await device.get("settings", "editor")).toEqual({ theme: "third" });
});

test("a delete conflict is understood and resolved in the browser: the edit made on the other device is kept", async ({ page, baseURL }) => {
  await signUp(page, "conflicts");
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  await laptop.put("projects", "side-project", { name: "Side project" });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL!, "Desktop");
  await desktop.sync();

  await laptop.delete("projects", "side-project");
  await laptop.sync();
  await desktop.put("projects", "side-project", { name: "Side project, revived" });
  expect((await desktop.sync()).openConflicts).toHaveLength(1);

  await page.goto("/conflicts");
  const row = page.getByRole("list", { name: "Open conflicts" }).getByRole("listitem").filter({ hasText: "side-project" });
  await expect(row).toContainText("Deleted on one side");
  await row.getByRole("link").click();
  await unlockInBrowser(page);
  await expect(page.getByRole("table").getByRole("row", { name: /whole record/ })).toContainText("deleted on the server");
  await page.getByRole("button", { name: "Keep mine" }).click();
  await expect(page).toHaveURL(/\/conflicts$/);

  await laptop.sync();
  expect(await laptop.get("projects", "side-project")).toEqual({ name: "Side project, revived" });
});

test("open pages update live: a device's sync and a new conflict appear without a reload", async ({ page, baseURL }) => {
  await signUp(page, "conflicts");
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  const desktop = await desktopDevice(page, baseURL!, "Desktop");

  await page.goto("/settings/devices");
  const laptopRow = page.getByRole("list", { name: "Devices" }).getByRole("listitem").filter({ hasText: "Laptop" });
  await expect(laptopRow).toContainText("not synced yet");
  await laptop.put("projects", "live", { name: "v1" });
  await laptop.sync();
  await expect(laptopRow).toContainText("last sync just now"); // no reload

  await desktop.sync();
  await page.getByRole("link", { name: "Conflicts" }).click();
  await expect(page.getByText("Everything is in sync")).toBeVisible();
  await laptop.put("projects", "live", { name: "from laptop" });
  await laptop.sync();
  await desktop.put("projects", "live", { name: "from desktop" });
  await desktop.sync();
  await expect(page.getByRole("list", { name: "Open conflicts" }).getByRole("listitem").filter({ hasText: "live" })).toBeVisible(); // no reload
});
