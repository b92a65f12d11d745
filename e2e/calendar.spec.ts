import { expect, test, type Page } from "@playwright/test";
import { browserApi, desktopDevice, signUp, unlockInBrowser } from "./support";

/** Screenshots of the calendar pages, for a person to look at (kept outside Playwright's own output folder, which each run empties). */
const SHOTS = "test-results/calendar";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The card of one integration on /integrations. */
function integrationCard(page: Page, name: string) {
  return page.locator("div.rounded-xl").filter({ has: page.getByRole("heading", { name: new RegExp(`^${name}`) }) });
}

test("without a calendar, /calendar says how to connect one and already offers the calendar privacy and status switches", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  await signUp(page, "calendar-empty");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calendar" }).click();
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole("heading", { level: 1, name: "Calendar" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calendar" })).toHaveAttribute("aria-current", "page");

  await expect(page.getByRole("heading", { name: "No calendar connected" })).toBeVisible();
  const connect = page.getByRole("link", { name: "Connect a calendar" });
  await expect(connect).toHaveAttribute("href", "/integrations");

  // What the cache keeps and what the status says: the privacy settings' calendar part, off by default except focus status.
  const expected = { "Keep event titles": "false", "Keep attendee counts": "false", "Focus status": "true", "Meeting status": "false", "Meeting titles in the status": "false" };
  for (const [name, checked] of Object.entries(expected)) await expect(page.getByRole("switch", { name, exact: true })).toHaveAttribute("aria-checked", checked);
  // Meeting titles need titles kept and meeting status on: until then there is nothing to switch on.
  await expect(page.getByRole("switch", { name: "Meeting titles in the status" })).toBeDisabled();
  await shoot(page, "empty-desktop");

  const titles = page.getByRole("switch", { name: "Keep event titles" });
  await titles.click();
  await expect(titles).toHaveAttribute("aria-checked", "true");
  await expect(titles).toBeEnabled(); // saved
  await page.getByRole("switch", { name: "Meeting status" }).click();
  await expect(page.getByRole("switch", { name: "Meeting titles in the status" })).toBeEnabled();

  // Saved at the server: a reload shows them.
  await page.reload();
  await expect(page.getByRole("switch", { name: "Keep event titles" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("switch", { name: "Meeting status" })).toHaveAttribute("aria-checked", "true");

  await page.setViewportSize(PHONE);
  await expect(page.getByRole("heading", { name: "No calendar connected" })).toBeVisible();
  await shoot(page, "empty-phone");

  await connect.click();
  await expect(page).toHaveURL(/\/integrations$/);
});

test("the dashboard shows the next focus block card, and /integrations shows both calendar providers as calendars", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  await signUp(page, "calendar-cards");

  const next = page.getByTestId("next-focus-block");
  await expect(next).toContainText("Nothing booked");
  await expect(page.getByRole("link", { name: "Open calendar" })).toHaveAttribute("href", "/calendar");
  await shoot(page, "dashboard-desktop");

  await page.goto("/integrations");
  const integrations = await (await browserApi(page, baseURL!)).integrations.list.query();
  for (const name of ["Google Calendar", "Microsoft Outlook"]) {
    const card = integrationCard(page, name);
    await expect(card).toContainText("focus blocks booked for you");
    const integration = integrations.find((entry) => entry.name === name)!;
    expect(integration.kind).toBe("calendar");
    await expect(card.getByText("Available")).toBeVisible();
    await expect(card.getByRole("list", { name: `Permissions requested from ${name}` }).getByRole("listitem").first()).toBeVisible();
    await expect(card.getByRole("checkbox", { name: new RegExp(`reads my calendars at ${name} and adds the focus blocks I book`) })).toBeVisible();
    await expect(card.getByRole("button", { name: `Connect ${name}` })).toBeDisabled();
  }
  expect(integrations.filter((entry) => entry.kind === "calendar").map((entry) => entry.state)).toEqual(["available", "available"]);
  await integrationCard(page, "Google Calendar").scrollIntoViewIfNeeded();
  await shoot(page, "integrations-desktop");
  await page.setViewportSize(PHONE);
  await shoot(page, "integrations-phone");
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test.describe("with Google connected in the sandbox", () => {
  // The sandbox Google's person (Ana) lives in Europe/Lisbon, which is UTC in winter: one clock for both pages.
  test.use({ timezoneId: "UTC" });

  test("a slot suggested after unlocking is booked once in Google's own calendar; moved there, it moves here live", async ({ page, baseURL }) => {
    test.setTimeout(240_000);
    await page.setViewportSize(DESKTOP);
    await signUp(page, "calendar-google");
    // Activity to rank by: mornings of coding, synced by the desktop app (the server only ever sees ciphertext).
    const laptop = await desktopDevice(page, baseURL!, "Laptop");
    for (let day = 1; day <= 10; day++) {
      const start = Math.floor((Date.now() - day * DAY) / DAY) * DAY + 9 * HOUR;
      await laptop.put("activities", `morning-${day}`, { start: new Date(start).toISOString(), end: new Date(start + 2 * HOUR).toISOString(), kind: "coding" });
    }
    await laptop.sync();

    await page.goto("/integrations");
    const card = integrationCard(page, "Google Calendar");
    await card.getByRole("checkbox", { name: /reads my calendars at Google Calendar/ }).check();
    await card.getByRole("button", { name: "Connect Google Calendar" }).click();
    await page.getByRole("button", { name: "Authorize" }).click(); // the sandbox Google's consent page
    await expect(card.getByText(/Last synced/)).toBeVisible({ timeout: 60_000 });

    await page.goto("/calendar");
    const grid = page.getByTestId("week-grid");
    await expect(grid).toBeVisible();
    await expect(grid.getByRole("listitem").first()).toBeVisible(); // Ana's demo week, merged into the grid
    // Her busy days stay readable: no item narrower than a name and a time, and what has no room is behind "+N more", listed in a dialog.
    const widths = await grid.locator("[data-day-column] li").evaluateAll((items) => items.map((item) => item.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(50);
    const more = grid.getByRole("button", { name: /^\+\d+ more events, / }).first();
    const hidden = Number(/\+(\d+)/.exec((await more.textContent()) ?? "")![1]);
    await more.press("Enter");
    await expect(page.getByRole("dialog").getByRole("list", { name: `${hidden} more events` }).getByRole("listitem")).toHaveCount(hidden);
    await page.keyboard.press("Escape");
    await expect(more).toBeFocused();
    await unlockInBrowser(page);
    await expect(page.getByText(/Ranked by your activity: 10 sessions/)).toBeVisible({ timeout: 30_000 });
    await page.getByRole("form", { name: "Suggest focus time" }).getByRole("button", { name: "Suggest focus time" }).click();
    await expect(page.getByText(/Ranked with your activity profile/)).toBeVisible();
    const slot = page.getByRole("list", { name: "Suggested focus slots" }).getByRole("listitem").first();
    await slot.getByRole("button", { name: /^Book / }).click();
    await expect(slot.getByText("Booked")).toBeVisible();

    // Made in Google exactly once (the job's retries carry the same event id).
    const api = await browserApi(page, baseURL!);
    const range = { from: new Date(Date.now() - DAY), to: new Date(Date.now() + 14 * DAY) };
    await expect.poll(async () => (await api.calendar.focusBlocks.query(range)).map((block) => block.state), { timeout: 30_000 }).toEqual(["active"]);
    const [block] = await api.calendar.focusBlocks.query(range);
    const googleUrl = (await api.integrations.list.query()).find((entry) => entry.provider === "google")!.webUrl;
    const google = await page.context().newPage();
    await google.goto(`${googleUrl}/?week=${block!.startTime.toISOString().slice(0, 10)}`);
    const inGoogle = google.locator(`[data-testid="gcal-event"][data-start="${block!.startTime.toISOString()}"]`);
    await expect(inGoogle).toHaveCount(1);
    await expect(inGoogle.getByTestId("gcal-event-title")).toHaveText("Focus time");
    await expect(inGoogle).toHaveAttribute("data-event-type", "focusTime");

    // Ana drags it an hour later in Google: the push notification reaches DevPulse, and the page follows without a reload.
    const movedStart = new Date(block!.startTime.getTime() + HOUR);
    await page.bringToFront();
    // The page opens on this week (Monday first, UTC here): go to the block's week.
    const monday = (at: Date) => Math.floor(at.getTime() / DAY) - ((at.getUTCDay() + 6) % 7);
    for (let week = 0; week < (monday(block!.startTime) - monday(new Date())) / 7; week++) await page.getByRole("button", { name: "Next week" }).click();
    await expect(grid.getByRole("button", { name: /Focus time/ })).toBeVisible();
    await google.bringToFront();
    await inGoogle.getByTestId("gcal-move-start").fill(movedStart.toISOString().slice(0, 16));
    await inGoogle.getByTestId("gcal-move").click();
    await page.bringToFront();
    const clock = (at: Date) => at.toISOString().slice(11, 16);
    await expect(grid.getByRole("button", { name: /Focus time/ })).toContainText(clock(movedStart), { timeout: 30_000 });
    expect((await api.calendar.focusBlocks.query(range))[0]!.startTime.toISOString()).toBe(movedStart.toISOString());

    // Ana's busy demo week overlaps itself a lot: the soonest conflicts are listed, the rest behind "Show all".
    const conflicts = page.getByRole("list", { name: "Calendar conflicts" }).locator(":scope > li");
    await expect(conflicts).toHaveCount(5);
    const showAll = page.getByRole("button", { name: /^Show all \d+ conflicts$/ });
    const total = Number(/\d+/.exec((await showAll.textContent()) ?? "")![0]);
    expect(total).toBeGreaterThan(5);
    await showAll.click();
    await expect(conflicts).toHaveCount(total);
    // Titles are not kept (the default), so both sides read "Busy": times, calendars and "2 of 3" still tell every row apart,
    // and "Decline" says which meeting it declines.
    const rows = await conflicts.allInnerTexts();
    expect(new Set(rows).size).toBe(rows.length);
    await expect(page.getByRole("list", { name: "Calendar conflicts" }).getByRole("button", { name: /^Decline / }).first()).toHaveAccessibleName(
      /^Decline (the \d\d:\d\d–\d\d:\d\d meeting|meeting \d+ of \d+ at \d\d:\d\d–\d\d:\d\d) in .+ \(Google Calendar\)$/,
    );
    await page.getByRole("button", { name: "Show the first 5" }).click();
    await shoot(page, "google-week-desktop");

    // Outlook too: one week, merged across both providers.
    await page.goto("/integrations");
    const outlook = integrationCard(page, "Microsoft Outlook");
    await outlook.getByRole("checkbox", { name: /reads my calendars at Microsoft Outlook/ }).check();
    await outlook.getByRole("button", { name: "Connect Microsoft Outlook" }).click();
    await page.getByRole("button", { name: "Authorize" }).click(); // the sandbox Microsoft's consent page
    await expect(outlook.getByText(/Last synced/)).toBeVisible({ timeout: 60_000 });
    const week = await api.calendar.events.query({ from: new Date(Date.now() - 7 * DAY), to: new Date(Date.now() + 7 * DAY) });
    expect([...new Set(week.map((event) => event.provider))].sort()).toEqual(["google", "microsoft"]);
    await page.goto("/calendar");
    const included = page.getByRole("list", { name: "Calendars to include" });
    await expect(included).toContainText("Google Calendar");
    await expect(included).toContainText("Microsoft Outlook");
  });
});
