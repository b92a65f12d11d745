import { expect, test, type Page } from "@playwright/test";
import { browserApi, signUp } from "./support";

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
    // The sandbox may leave a provider unconfigured (Google sign-in would need the real Google): the card says what to set.
    const integration = integrations.find((entry) => entry.name === name)!;
    expect(integration.kind).toBe("calendar");
    if (integration.state === "not_configured") {
      await expect(card.getByText("Not configured")).toBeVisible();
      for (const variable of integration.missingConfiguration) await expect(card.getByText(variable, { exact: true })).toBeVisible();
      continue;
    }
    await expect(card.getByText("Available")).toBeVisible();
    await expect(card.getByRole("list", { name: `Permissions requested from ${name}` }).getByRole("listitem").first()).toBeVisible();
    await expect(card.getByRole("checkbox", { name: new RegExp(`reads my calendars at ${name} and adds the focus blocks I book`) })).toBeVisible();
    await expect(card.getByRole("button", { name: `Connect ${name}` })).toBeDisabled();
  }
  expect(integrations.filter((entry) => entry.kind === "calendar" && entry.state === "available").length, "at least one calendar provider can be connected in the sandbox").toBeGreaterThan(0);
  await integrationCard(page, "Google Calendar").scrollIntoViewIfNeeded();
  await shoot(page, "integrations-desktop");
  await page.setViewportSize(PHONE);
  await shoot(page, "integrations-phone");
});
