import { expect, test, type Page } from "@playwright/test";
import { ARTIFACTS, connectGitHub, desktopDevice, gitHubCard, signUp, unlockInBrowser } from "./support";

/** On a 390 px phone, nothing on the page (a long scope URL, an account email, a repository name) makes it scroll sideways. */
async function expectFitsPhone(page: Page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  if (size) await page.setViewportSize(size);
}

test("connect GitHub through its consent page, see commits (new ones live), and disconnect", async ({ page }) => {
  await signUp(page, "integrations");
  await page.getByRole("link", { name: "Integrations", exact: true }).click();
  await expect(page.getByRole("note")).toContainText("Sandbox");

  const card = gitHubCard(page);
  await expect(card.getByText("Available")).toBeVisible();
  await expect(card.getByRole("list", { name: "Permissions requested from GitHub" })).toContainText("admin:repo_hook");
  await page.screenshot({ path: `${ARTIFACTS}/integrations-available.png`, fullPage: true });
  await expectFitsPhone(page);

  await card.getByRole("checkbox", { name: /I agree that DevPulse reads/ }).check();
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

  // The sandbox pushes a commit every 10 s (playwright.config.ts): it arrives by webhook, without a reload.
  await expect(commits.getByText(/Sandbox commit #\d+/).first()).toBeVisible({ timeout: 40_000 });
  await page.screenshot({ path: `${ARTIFACTS}/integrations-connected.png`, fullPage: true });
  await expectFitsPhone(page);

  // The success banner names the account the server holds, never the one a crafted link carries.
  await page.goto("/integrations?connected=github&account=mallory");
  await expect(page.getByRole("status").filter({ hasText: "GitHub is connected as @octo-dev." })).toBeVisible();
  await expect(page.getByText("mallory")).toHaveCount(0);

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
  const card = await connectGitHub(page, "Cancel");
  await expect(page.getByText("You cancelled connecting GitHub.")).toBeVisible();
  await expect(card.getByText("Available")).toBeVisible();

  // A crafted link shows only our own words: text from the URL never reaches the page.
  const spoof = "Your account is locked. Call +1 555 0100 to unlock it.";
  await page.goto(`/integrations?provider=github&error=${encodeURIComponent(spoof)}`);
  await expect(page.getByRole("alert").filter({ hasText: "GitHub could not be connected." })).toBeVisible();
  await expect(page.getByText(spoof)).toHaveCount(0);
  await page.goto(`/integrations?provider=nowhere&error=${encodeURIComponent(spoof)}`);
  await expect(card.getByText("Available")).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "Could not connect" })).toHaveCount(0);
  await expect(page.getByText(spoof)).toHaveCount(0);
  // Nor a "connected" banner for an integration that is not connected.
  await page.goto("/integrations?connected=github&account=octo-dev");
  await expect(card.getByText("Available")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "is connected as" })).toHaveCount(0);
});

test("with consent withdrawn on the Privacy page, the card says so and offers no sync until it is allowed again", async ({ page }) => {
  await signUp(page, "integrations-withdrawn");
  await page.goto("/integrations");
  const card = await connectGitHub(page, "Authorize", { waitForSync: false });
  await expect(card.getByRole("button", { name: "Sync now" })).toBeVisible();

  await page.goto("/privacy");
  const privacyRow = page.getByRole("list", { name: "Integration privacy settings" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
  await privacyRow.getByRole("switch", { name: "Allow GitHub" }).click();
  // Keep the connection (and its data): only the consent is withdrawn.
  const offer = page.getByRole("dialog", { name: "Disconnect GitHub and delete its data?" });
  await offer.getByRole("button", { name: "Cancel" }).click();
  await expect(privacyRow.getByRole("switch", { name: "Allow GitHub" })).toHaveAttribute("aria-checked", "false");

  await page.goto("/integrations");
  await expect(card.getByText("Consent withdrawn")).toBeVisible();
  await expect(card.getByText("Connected as @octo-dev")).toHaveCount(0);
  await expect(card).toContainText("You withdrew your consent for GitHub");
  await expect(card.getByRole("button", { name: "Sync now" })).toHaveCount(0);
  await expect(card.getByRole("switch", { name: "Sync automatically" })).toHaveCount(0);
  await expect(card.getByRole("button", { name: "Disconnect" })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/integrations-consent-withdrawn.png`, fullPage: true });

  await card.getByRole("link", { name: "Allow GitHub on the Privacy page" }).click();
  await expect(page).toHaveURL(/\/privacy$/);
  await privacyRow.getByRole("switch", { name: "Allow GitHub" }).click();
  await expect(privacyRow.getByRole("switch", { name: "Allow GitHub" })).toHaveAttribute("aria-checked", "true");
  await page.goto("/integrations");
  await expect(card.getByText("Connected as @octo-dev")).toBeVisible();
  await expect(card.getByRole("button", { name: "Sync now" })).toBeVisible();
});

test("commits are correlated with the coding activity a desktop device synced, decrypted only in the browser", async ({ page, baseURL }) => {
  await signUp(page, "correlation");
  await page.goto("/integrations");
  await connectGitHub(page);

  // Three of the synced commits, and a coding session of the desktop app ending shortly before each.
  const since = new Date(Date.now() - 14 * 86_400_000).toISOString();
  const input = encodeURIComponent(JSON.stringify({ json: { since, limit: 500, repository: "octo-dev/devpulse-desktop" }, meta: { values: { since: ["Date"] } } }));
  const response = await page.request.get(`/api/trpc/external.commits?input=${input}`);
  const commits = ((await response.json()) as { result: { data: { json: Array<{ sha: string; committedAt: string; message: string }> } } }).result.data.json;
  // Demo history only (the sandbox keeps pushing fresh commits), days apart so each session explains one commit.
  const history = commits.filter((commit) => !commit.message.startsWith("Sandbox commit") && Date.parse(commit.committedAt) < Date.now() - 86_400_000);
  const chosen = history.filter((_, index) => index % 7 === 3).slice(0, 3);
  expect(chosen).toHaveLength(3);
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  await laptop.put("projects", "desktop-app", { name: "DevPulse desktop", path: "/home/octo/code/devpulse-desktop" });
  for (const [index, commit] of chosen.entries()) {
    const at = Date.parse(commit.committedAt);
    await laptop.put("activities", `session-${index}`, { projectId: "desktop-app", start: new Date(at - 50 * 60_000).toISOString(), end: new Date(at - 5 * 60_000).toISOString(), kind: "coding" });
  }
  await laptop.sync();

  await page.reload();
  await unlockInBrowser(page);
  const correlated = page.getByRole("list", { name: "Correlated commits" });
  for (const commit of chosen) {
    await expect(correlated.getByRole("listitem").filter({ hasText: commit.sha.slice(0, 7) })).toContainText("DevPulse desktop");
  }
  await expect(page.getByText(/commits came during or right after your coding activity/)).toBeVisible();
  await page.getByRole("heading", { name: "Commits and your coding activity" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/integrations-correlation.png`, fullPage: true });
});
