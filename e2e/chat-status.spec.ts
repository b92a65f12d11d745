import { expect, test, type Page } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCli } from "./cli";
import { ARTIFACTS, browserApi, signUp } from "./support";

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** A chat provider's card on /integrations. */
function card(page: Page, name: "Slack" | "Discord") {
  return page.locator("div.rounded-xl").filter({ has: page.getByRole("heading", { name: new RegExp(`^${name}`) }) });
}

/** Resolves once the page's realtime stream is in place, so events published from now on reach it. */
async function waitUntilLive(page: Page) {
  await expect(page.locator('[data-realtime="live"]')).toBeAttached();
}

/** "HH:MM" in UTC, as the sandbox Slack shows times. */
const utcTime = (at: number) => new Date(at).toISOString().slice(11, 16);

/**
 * Ana's own Slack, as she sees it: the sandbox Slack's page for the signed-in person, with
 * her status and a form to set one by hand (to DevPulse, a status set by hand).
 */
async function ownSlack(page: Page, slackUrl: string) {
  const own = await page.context().newPage();
  await own.goto(slackUrl);
  return {
    /** ":dart: In focus mode (clears at 15:30 UTC)", or "No status set." */
    status: async () => {
      await own.reload();
      return (await own.getByTestId("slack-status").innerText()).trim();
    },
    setByHand: async (text: string, emoji: string) => {
      await own.getByLabel("Emoji").fill(emoji);
      await own.getByLabel("Status text").fill(text);
      await own.getByRole("button", { name: "Save status" }).click();
      await expect(own.getByTestId("slack-status-text")).toHaveText(text);
    },
  };
}

test("connect Slack, set Focus for 25 minutes: Slack and both pages follow; a status set by hand is left alone; clearing puts the previous one back", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signUp(page, "chat-status");
  await page.goto("/integrations");
  const slack = card(page, "Slack");
  await expect(slack.getByText("Available")).toBeVisible();
  await expect(slack.getByRole("list", { name: "Permissions requested from Slack" })).toContainText("users.profile:write");
  await expect(card(page, "Discord")).toContainText("Discord does not let a bot set your custom status");

  // Before DevPulse: Ana's own status in Slack.
  const slackUrl = (await (await browserApi(page, baseURL!)).integrations.list.query()).find((entry) => entry.provider === "slack")!.webUrl;
  const ana = await ownSlack(page, slackUrl);
  await ana.setByHand("Reviewing PRs", ":eyes:");

  await slack.getByRole("checkbox", { name: /I agree that DevPulse uses/ }).check();
  await slack.getByRole("button", { name: "Connect Slack" }).click();
  await expect(page.getByRole("heading", { name: /Authorize DevPulse Cloud/ })).toBeVisible();
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page).toHaveURL(/\/integrations\?connected=slack/);
  await expect(slack.getByText(/Connected as @/)).toBeVisible({ timeout: 30_000 });
  await expect(slack.getByRole("button", { name: "Sync now" })).toHaveCount(0);

  // The dashboard, in another tab, follows without a reload.
  const dashboard = await page.context().newPage();
  await dashboard.goto("/dashboard");
  await waitUntilLive(dashboard);
  const dashboardStatus = dashboard.getByTestId("dashboard-status");
  await expect(dashboardStatus).toContainText("No status");

  const form = page.getByRole("form", { name: "Set your status" });
  await form.getByRole("radio", { name: /^Focus/ }).check();
  await form.getByLabel("For how long").selectOption({ label: "25 minutes" });
  const setAt = Date.now();
  await form.getByRole("button", { name: "Set status" }).click();

  const shown = page.getByTestId("current-status");
  await expect(shown).toContainText("In focus mode");
  await expect(shown).toContainText(/until \d/);
  await expect(dashboardStatus).toContainText("In focus mode");
  await expect.poll(ana.status, { timeout: 30_000 }).toContain(":dart: In focus mode");
  // Slack clears it by itself 25 minutes on, should DevPulse's clear never come.
  const clearsAt = /clears at (\d\d:\d\d) UTC/.exec(await ana.status())?.[1];
  // Between 25 minutes after the click and 25 minutes after now, the latter rounded up to the second as Slack's
  // expiration is (set at 19:51:59.8, it clears at 20:17:00).
  expect([utcTime(setAt + 25 * 60_000), utcTime(Math.ceil((Date.now() + 25 * 60_000) / 1000) * 1000)]).toContain(clearsAt);
  await expect(page.getByRole("list", { name: "Status on each chat app" })).toContainText("In focus mode");
  await screenshot(page, "chat-status-integrations");
  await screenshot(dashboard, "chat-status-dashboard");

  // Clear: Ana's own status comes back in Slack, and both pages say nothing is shown.
  await form.getByRole("button", { name: "Clear status" }).click();
  await expect(shown).toContainText("No status");
  await expect(dashboardStatus).toContainText("No status");
  await expect.poll(ana.status, { timeout: 30_000 }).toBe(":eyes: Reviewing PRs");

  // Focus again, then Ana changes her status in Slack herself: DevPulse leaves it alone and says so.
  await form.getByRole("radio", { name: /^Focus/ }).check();
  await form.getByLabel("For how long").selectOption({ label: "Until I clear it" });
  await form.getByRole("button", { name: "Set status" }).click();
  await expect.poll(ana.status, { timeout: 30_000 }).toContain("In focus mode");
  await ana.setByHand("Lunch", ":sandwich:");
  await form.getByRole("radio", { name: /^Coding/ }).check();
  await form.getByRole("button", { name: "Set status" }).click();
  await expect(page.getByText("You set your status by hand; DevPulse will not change it until you clear it")).toBeVisible({ timeout: 30_000 });
  await expect(dashboardStatus).toContainText("You set your status by hand on Slack");
  expect(await ana.status()).toBe(":sandwich: Lunch");
  await screenshot(page, "chat-status-held-by-hand");

  await form.getByRole("button", { name: "Clear status" }).click();
  await expect(shown).toContainText("No status");
  expect(await ana.status()).toBe(":sandwich: Lunch");
});

test("the desktop app drives Slack through heartbeats: `devpulse activity coding` shows it, `idle` puts the user's own status back", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signUp(page, "chat-cli");
  const slackUrl = (await (await browserApi(page, baseURL!)).integrations.list.query()).find((entry) => entry.provider === "slack")!.webUrl;
  const ana = await ownSlack(page, slackUrl);
  await ana.setByHand("Writing docs", ":memo:");
  await page.goto("/integrations");
  const slack = card(page, "Slack");
  await slack.getByRole("checkbox", { name: /I agree that DevPulse uses/ }).check();
  await slack.getByRole("button", { name: "Connect Slack" }).click();
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(slack.getByText(/Connected as @/)).toBeVisible({ timeout: 30_000 });

  const { cli, lastJson, loginDevice } = createCli("the status needs no passphrase");
  const configDir = mkdtempSync(join(tmpdir(), "devpulse-cli-status-"));
  await loginDevice(page, baseURL!, configDir, "Status laptop");
  expect(lastJson(await cli(configDir, ["activity", "coding"]))).toMatchObject({ event: "heartbeat", changed: true, status: { text: "Coding", source: "heartbeat" } });
  await expect.poll(ana.status, { timeout: 30_000 }).toBe(":computer: Coding");
  // The same activity again changes nothing.
  expect(lastJson(await cli(configDir, ["activity", "coding"]))).toMatchObject({ changed: false });
  expect(lastJson(await cli(configDir, ["activity", "idle"]))).toMatchObject({ changed: true, status: null });
  await expect.poll(ana.status, { timeout: 30_000 }).toBe(":memo: Writing docs");
});

test("the template editor shows each field's error, saves a template, and it can be set", async ({ page }) => {
  await signUp(page, "chat-templates");
  await page.goto("/integrations");
  const templates = page.getByRole("list", { name: "Status templates" });
  await expect(templates.getByRole("listitem")).toHaveCount(4);

  await page.getByRole("button", { name: "New template" }).click();
  const editor = page.getByRole("form", { name: "New template" });
  await editor.getByLabel("Name").fill("Code review");
  await expect(editor.getByLabel("Key")).toHaveValue("code-review");
  await editor.getByLabel("Slack emoji").fill("eyes");
  await editor.getByRole("button", { name: "Add template" }).click();
  await expect(editor.getByText("Slack emoji are written :name:, like :dart:")).toBeVisible();
  await expect(editor.getByText("Give the Slack status a text")).toBeVisible();
  await expect(editor.getByLabel("Slack emoji")).toBeFocused();

  await editor.getByLabel("Slack emoji").fill(":eyes:");
  await editor.getByLabel("Slack text").fill("Reviewing code");
  await editor.getByLabel("Discord emoji").fill("👀");
  await editor.getByLabel("Discord text").fill("Reviewing code");
  await editor.getByRole("button", { name: "Add template" }).click();
  await expect(templates.getByRole("listitem")).toHaveCount(5);
  await expect(templates).toContainText("Code review");

  const form = page.getByRole("form", { name: "Set your status" });
  await form.getByRole("radio", { name: /^Code review/ }).check();
  await form.getByRole("button", { name: "Set status" }).click();
  await expect(page.getByTestId("current-status")).toContainText("Reviewing code");

  // A template cannot go while it is shown: clear first.
  await form.getByRole("button", { name: "Clear status" }).click();
  await expect(page.getByTestId("current-status")).toContainText("No status");
  await page.getByRole("button", { name: "Remove Code review" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove Code review?" });
  await dialog.getByRole("button", { name: "Remove template" }).click();
  await expect(templates.getByRole("listitem")).toHaveCount(4);
});

test("connect Discord: the card says what Discord does not allow, a channel is picked, and the team message's channel shows with the status", async ({ page }) => {
  await signUp(page, "chat-discord");
  await page.goto("/integrations");
  const discord = card(page, "Discord");
  await expect(discord).toContainText("Discord does not let a bot set your custom status");
  await discord.getByRole("checkbox", { name: /I agree that DevPulse uses/ }).check();
  await discord.getByRole("button", { name: "Connect Discord" }).click();
  await expect(page.getByRole("heading", { name: /Authorize DevPulse Cloud/ })).toBeVisible();
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page).toHaveURL(/\/integrations\?connected=discord/);
  await expect(discord.getByText(/Connected as @/)).toBeVisible({ timeout: 30_000 });

  const picker = discord.getByRole("form", { name: "Channel for your status message" });
  const channel = picker.getByLabel("Channel for your status message");
  await expect(channel.getByRole("option", { name: "#status" })).toBeAttached();
  await expect(channel.getByRole("option", { name: "#announcements" })).toHaveCount(0); // the bot may not send there
  await channel.selectOption({ label: "#status" });
  await picker.getByRole("button", { name: "Use this channel" }).click();
  await expect(picker.getByText("Saved")).toBeVisible();
  const perProvider = page.getByRole("list", { name: "Status on each chat app" });
  await expect(perProvider).toContainText("Team message in #status.");

  const form = page.getByRole("form", { name: "Set your status" });
  await form.getByRole("radio", { name: /^Debugging/ }).check();
  await form.getByRole("button", { name: "Set status" }).click();
  await expect(perProvider.getByRole("listitem").filter({ hasText: "Discord" }).first()).toContainText("Debugging", { timeout: 30_000 });
  await page.getByRole("heading", { name: /^Discord/ }).scrollIntoViewIfNeeded();
  await screenshot(page, "chat-status-discord");
});
