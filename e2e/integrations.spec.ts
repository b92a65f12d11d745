import { expect, test } from "@playwright/test";
import { ARTIFACTS, signUp } from "./support";

test("connect GitHub through its consent page, see commits (new ones live), and disconnect", async ({ page }) => {
  await signUp(page, "integrations");
  await page.getByRole("link", { name: "Integrations", exact: true }).click();
  await expect(page.getByRole("note")).toContainText("Sandbox");

  const card = page.locator("div.rounded-xl").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
  await expect(card.getByText("Available")).toBeVisible();
  await expect(card.getByRole("list", { name: "Permissions requested from GitHub" })).toContainText("admin:repo_hook");
  await page.screenshot({ path: `${ARTIFACTS}/integrations-available.png`, fullPage: true });

  await card.getByRole("button", { name: "Connect GitHub" }).click();
  await expect(page.getByRole("heading", { name: /Authorize DevPulse Cloud/ })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/integrations-consent.png`, fullPage: true });
  await page.getByRole("button", { name: "Authorize" }).click();

  await expect(page).toHaveURL(/\/integrations\?connected=github/);
  await expect(page.getByRole("alert").or(page.getByRole("status")).filter({ hasText: "Connected" }).first()).toBeVisible();
  await expect(card.getByText("Connected as @octo-dev")).toBeVisible({ timeout: 30_000 });
  const commits = page.getByRole("list", { name: "Recent commits" });
  await expect(commits.getByRole("listitem").first()).toBeVisible({ timeout: 30_000 });
  await expect(card.getByText(/Last synced/)).toBeVisible();
  await expect(commits.getByRole("listitem")).toHaveCount(20); // the first sync's commits, newest 20

  // The sandbox pushes a commit every few seconds: it arrives by webhook, without a reload.
  await expect(commits.getByText(/Sandbox commit #\d+/).first()).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: `${ARTIFACTS}/integrations-connected.png`, fullPage: true });

  await card.getByRole("button", { name: "Disconnect" }).click();
  const dialog = page.getByRole("dialog", { name: "Disconnect GitHub?" });
  await expect(dialog).toContainText("deletes your tokens");
  await dialog.getByRole("button", { name: "Disconnect GitHub" }).click();
  await expect(card.getByText("Available")).toBeVisible();
  await expect(page.getByText("No commits yet")).toBeVisible();
});

test("cancelling at GitHub's consent page comes back with a clear message", async ({ page }) => {
  await signUp(page, "integrations-cancel");
  await page.goto("/integrations");
  const card = page.locator("div.rounded-xl").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
  await card.getByRole("button", { name: "Connect GitHub" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText("You cancelled connecting GitHub.")).toBeVisible();
  await expect(card.getByText("Available")).toBeVisible();
});
