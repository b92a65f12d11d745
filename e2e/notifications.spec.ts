import { expect, test, type Page } from "@playwright/test";
import { ARTIFACTS, browserApi, desktopDevice, signUp } from "./support";

/**
 * Notifications in the browser: the preferences page (quiet hours in the browser's own time
 * zone, kept across a reload), a real sync conflict from two devices raising the bell's count
 * live (no reload), the decision log saying why the desktop ping waits, and mark all read.
 * The browser runs in Berlin time while a new user's preferences start in UTC, so the page
 * offers to switch.
 */

const ZONE = "Europe/Berlin";
test.use({ timezoneId: ZONE });

/** "HH:MM" on the zone's clock, `minutes` from now. */
function clockIn(minutes: number): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(Date.now() + minutes * 60_000);
}

function bell(page: Page) {
  return page.getByRole("button", { name: /^Notifications/ });
}

async function waitUntilLive(page: Page) {
  await expect(page.locator('[data-realtime="live"]')).toBeAttached();
}

/**
 * Two devices with the same project: `conflict()` then makes one through the real sync API (both
 * edit it; the second push is refused). Signing the devices in may notify too (a new device).
 */
async function twoDevices(page: Page, baseURL: string) {
  const laptop = await desktopDevice(page, baseURL, "Laptop");
  await laptop.put("projects", "devpulse", { name: "DevPulse", color: "blue", path: "/src/devpulse" });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL, "Desktop");
  await desktop.sync();
  return {
    async conflict() {
      await laptop.put("projects", "devpulse", { name: "DevPulse (laptop)", color: "blue", path: "/src/devpulse" });
      await laptop.sync();
      await desktop.put("projects", "devpulse", { name: "DevPulse (desktop)", color: "green", path: "/src/devpulse" });
      expect((await desktop.sync()).openConflicts).toHaveLength(1);
    },
  };
}

const unreadName = (unread: number) => (unread === 0 ? "Notifications" : `Notifications, ${unread} unread`);

test("set quiet hours, trigger a conflict, and see the bell count rise live; the decision log says why; mark all read", async ({ page, baseURL }) => {
  await signUp(page, "notifications");
  await expect(bell(page)).toHaveAccessibleName("Notifications");

  // Preferences: the browser's zone is offered (the stored one is UTC), quiet hours around now.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }).click();
  await expect(page.getByRole("heading", { name: "Notification preferences", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Preview emails" })).toHaveAttribute("href", "/settings/notifications/emails");
  await expect(page.getByRole("main").getByRole("link", { name: "Webhooks" })).toHaveAttribute("href", "/settings/webhooks");
  await page.getByRole("button", { name: "Use Europe/Berlin" }).click();
  await expect(page.getByLabel("Time zone")).toHaveValue(ZONE);
  await page.getByRole("switch", { name: "Quiet hours" }).click();
  const [start, end] = [clockIn(-60), clockIn(120)];
  await page.getByLabel("From").fill(start);
  await page.getByLabel("Until", { exact: true }).fill(end);
  // Sync conflicts: no webhook (the user has no endpoint anyway), the rest immediate.
  await page.getByRole("group", { name: "Sync" }).getByLabel("Webhook").uncheck();
  await page.getByLabel("Send an email").selectOption({ label: "Only if still unread after 15 minutes" });
  await expect(page.getByText("Urgent notifications, such as a new device signing in, are always emailed at once.")).toBeVisible();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByText("Your notification preferences were saved.")).toBeVisible();

  // A refused value comes back on its field, from the server.
  await page.getByLabel("Focus reminder (minutes before a focus block)").fill("500");
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Your preferences were not saved" })).toBeVisible();
  await expect(page.getByLabel("Focus reminder (minutes before a focus block)")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("The focus reminder can be at most 120 minutes")).toBeVisible();
  await page.getByRole("button", { name: "Discard changes" }).click();

  // Kept across a reload.
  await page.reload();
  await expect(page.getByRole("switch", { name: "Quiet hours" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByLabel("From")).toHaveValue(start);
  await expect(page.getByLabel("Until", { exact: true })).toHaveValue(end);
  await expect(page.getByLabel("Time zone")).toHaveValue(ZONE);
  await expect(page.getByRole("group", { name: "Sync" }).getByLabel("Webhook")).not.toBeChecked();
  await expect(page.getByLabel("Focus reminder (minutes before a focus block)")).toHaveValue("5");
  await expect(page.getByLabel("Send an email")).toHaveValue("15");
  await expect(page.getByRole("button", { name: "Use Europe/Berlin" })).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/notification-preferences.png`, fullPage: true });

  // Do not disturb applies at once, and turns off.
  await page.getByRole("button", { name: "For 1 hour" }).click();
  await expect(page.getByText("Do not disturb is on")).toBeVisible();
  await page.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText("Do not disturb is off.")).toBeVisible();

  // The empty bell.
  await bell(page).click();
  const panel = page.getByRole("dialog", { name: /^Notifications/ });
  await expect(panel.getByText("No notifications yet")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(bell(page)).toBeFocused();

  // A real conflict through the sync API: the bell counts it without a reload.
  // (Needs the producer wiring: a sync conflict calling notify.)
  await waitUntilLive(page);
  const devices = await twoDevices(page, baseURL!);
  const asBrowser = await browserApi(page, baseURL!);
  // New-device notices (urgent) may have been listed meanwhile: the bell shows them first.
  const before = (await asBrowser.notifications.unreadCount.query()).unread;
  await expect(bell(page)).toHaveAccessibleName(unreadName(before));
  await devices.conflict();
  await expect(bell(page)).toHaveAccessibleName(unreadName(before + 1));
  await expect(bell(page)).toContainText(String(before + 1));

  await bell(page).click();
  await expect(panel.getByRole("list", { name: "Recent notifications" }).getByRole("listitem").first()).toContainText("A sync conflict needs your choice");
  // The arrow keys reach the notification; Tab leaving the panel closes it.
  await page.keyboard.press("ArrowDown");
  await expect(panel.getByRole("link", { name: /A sync conflict needs your choice/ })).toBeFocused();
  await page.screenshot({ path: `${ARTIFACTS}/notification-bell.png` });

  // The decision log: in-app listed at once, the desktop ping held for quiet hours, the webhook off.
  await panel.getByRole("link", { name: "See all notifications" }).click();
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  // The list has no nav entry of its own: the Notifications one is lit for it.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" })).toHaveAttribute("aria-current", "page");
  const decided = page.getByRole("list", { name: "Channels for A sync conflict needs your choice" });
  await expect(decided.getByRole("listitem").filter({ hasText: "In-app" })).toContainText("Listed");
  await expect(decided.getByRole("listitem").filter({ hasText: "Desktop" })).toContainText(`Held: quiet hours until ${end}`);
  await expect(decided.getByRole("listitem").filter({ hasText: "Webhook" })).toContainText("Not sent: Webhook is off for Sync notifications");
  await page.getByRole("tab", { name: /^Unread/ }).click();
  await expect(page.getByRole("list", { name: "Notifications", exact: true }).getByRole("listitem").filter({ hasText: "A sync conflict needs your choice" })).toHaveCount(1);
  await page.screenshot({ path: `${ARTIFACTS}/notifications.png`, fullPage: true });

  // Mark all read brings the bell to 0, here and in the list.
  await page.getByRole("button", { name: "Mark all as read" }).click();
  await expect(bell(page)).toHaveAccessibleName("Notifications");
  await expect(page.getByText("You are all caught up")).toBeVisible();

  // A phone: the bell sits in the top bar and its panel fits the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await bell(page).click();
  await expect(panel).toBeVisible();
  const box = await panel.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/notification-bell-phone.png` });
  await page.keyboard.press("Escape");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/notifications-phone.png`, fullPage: true });
  await page.goto("/settings/notifications");
  await expect(page.getByRole("button", { name: "Save preferences" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/notification-preferences-phone.png`, fullPage: true });
});

test("the bell's panel says when the list cannot load, and tries again", async ({ page }) => {
  await signUp(page, "notifications-error");
  let failing = true;
  await page.route("**/api/trpc/**", async (route) => {
    const url = new URL(route.request().url());
    const paths = decodeURIComponent(url.pathname.slice("/api/trpc/".length)).split(",");
    const index = paths.indexOf("notifications.list");
    if (!failing || index < 0 || !url.searchParams.has("batch")) return route.fallback();
    const response = await route.fetch();
    const results = (await response.json()) as unknown[];
    results[index] = { error: { json: { message: "The server could not answer (test).", code: -32603, data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "notifications.list" } } } };
    await route.fulfill({ response, json: results });
  });
  await bell(page).click();
  const panel = page.getByRole("dialog", { name: /^Notifications/ });
  await expect(panel.getByRole("alert")).toContainText("Could not load your notifications", { timeout: 30_000 });
  failing = false;
  await panel.getByRole("button", { name: "Try again" }).click();
  await expect(panel.getByText("No notifications yet")).toBeVisible();
  // A click outside closes it.
  await page.getByRole("main").click({ position: { x: 5, y: 5 } });
  await expect(panel).toHaveCount(0);
});

test("the pages write times in the locale the user chooses, at once and after a reload", async ({ page }) => {
  await signUp(page, "notifications-locale");
  await page.goto("/settings/notifications");
  const dailyDigest = (label: string) => page.locator("option", { hasText: label }).first();
  await expect(dailyDigest("Daily digest (17:00)")).toBeAttached();
  await page.getByLabel("Date and number format").selectOption({ label: "English (United States)" });
  await page.getByRole("button", { name: "Save preferences" }).click();
  // The page re-formats from the saved account, without a reload.
  await expect(dailyDigest("Daily digest (5:00 PM)")).toBeAttached();
  await expect(dailyDigest("Daily digest (17:00)")).toHaveCount(0);
  await page.reload();
  await expect(dailyDigest("Daily digest (5:00 PM)")).toBeAttached();
  await page.screenshot({ path: `${ARTIFACTS}/notification-preferences-en-US.png`, fullPage: true });
});
