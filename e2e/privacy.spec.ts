import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { ARTIFACTS, connectGitHub, desktopDevice, PASSWORD, signUp, unlockInBrowser } from "./support";

test("privacy choices persist, consents are recorded, the log shows them, and the account can be deleted", async ({ page }) => {
  const email = await signUp(page, "privacy");
  await page.getByRole("link", { name: "Privacy", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Privacy", level: 1 })).toBeVisible();

  const cloudSync = page.getByRole("switch", { name: "Sync my data to DevPulse Cloud" });
  const activities = page.getByRole("switch", { name: "Activities", exact: true });
  const history = page.getByRole("list", { name: "Consent history" });
  // Off until the person agrees: a new account stores nothing.
  await expect(cloudSync).toHaveAttribute("aria-checked", "false");
  await expect(page.getByText("Off until you agree here or set a sync passphrase")).toBeVisible();
  // Nothing to unlock before the desktop app sets a passphrase: the decrypted export says so instead of asking for one.
  await expect(page.getByRole("heading", { name: "Sync is not set up yet" })).toBeVisible();
  await expect(page.getByLabel("Sync passphrase")).toHaveCount(0);
  await cloudSync.click();
  await expect(cloudSync).toHaveAttribute("aria-checked", "true");
  await expect(history.getByRole("listitem")).toHaveCount(1);
  await expect(history.getByRole("listitem").first()).toContainText("Granted");
  await expect(activities).toHaveAttribute("aria-checked", "true");

  // A collection switched off: the server refuses it from now on, and offers to delete what it holds (kept here).
  await activities.click();
  const keepOrDelete = page.getByRole("dialog", { name: "Delete what the server holds of activities too?" });
  await expect(keepOrDelete).toBeVisible();
  await keepOrDelete.getByRole("button", { name: "Cancel" }).click();
  await expect(keepOrDelete).toBeHidden();
  await expect(activities).toHaveAttribute("aria-checked", "false");

  // Another one switched off, and its server copy deleted.
  await page.getByRole("switch", { name: "Focus sessions", exact: true }).click();
  const deleteFocus = page.getByRole("dialog", { name: "Delete what the server holds of focus sessions too?" });
  await deleteFocus.getByRole("button", { name: "Delete focus sessions from the server" }).click();
  await expect(deleteFocus).toBeHidden();
  await expect(page.getByText("The server held no focus sessions: nothing to delete.")).toBeVisible();

  // Retention: a bad number is explained next to the field; a good one is saved.
  const cloudDays = page.getByLabel("Cloud retention (days)");
  await cloudDays.fill("0");
  await page.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByText("Synced data must be kept at least 1 day.")).toBeVisible();
  await expect(cloudDays).toHaveAttribute("aria-invalid", "true");
  await cloudDays.fill("30");
  await page.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByRole("button", { name: "Save retention" })).toBeDisabled(); // saved: nothing left to save
  const autoDelete = page.getByRole("switch", { name: "Delete my account if I stop using it" });
  await expect(autoDelete).toHaveAttribute("aria-checked", "false");
  await autoDelete.click();
  await expect(autoDelete).toHaveAttribute("aria-checked", "true");

  await page.reload();
  await expect(activities).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("switch", { name: "Focus sessions", exact: true })).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("switch", { name: "Projects", exact: true })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByLabel("Cloud retention (days)")).toHaveValue("30");
  await expect(autoDelete).toHaveAttribute("aria-checked", "true");

  // Consent: withdrawn, then given again, each recorded in the append-only history.
  await cloudSync.click();
  await expect(cloudSync).toHaveAttribute("aria-checked", "false");
  await expect(history.getByRole("listitem").first()).toContainText("Cloud sync");
  await expect(history.getByRole("listitem").first()).toContainText("Withdrawn");
  await expect(page.getByText("Cloud sync is off: nothing is uploaded")).toBeVisible();
  await cloudSync.click();
  await expect(cloudSync).toHaveAttribute("aria-checked", "true");
  await expect(history.getByRole("listitem")).toHaveCount(3);
  await expect(history.getByRole("listitem").first()).toContainText("Granted");
  await expect(history.getByRole("listitem").nth(1)).toContainText("Withdrawn");

  // The processing log lists what was done, with purpose and legal basis; filtered to the settings changes.
  const log = page.getByRole("list", { name: "Processing log" });
  await expect(log.getByRole("listitem").filter({ hasText: "Consent change" }).first()).toContainText("Legal basis: Legal obligation");
  await expect(log.getByRole("listitem").filter({ hasText: "Deletion" })).toContainText("Collection: focus sessions");
  await page.getByLabel("Activity", { exact: true }).selectOption({ label: "Settings change" });
  await expect(log.getByRole("listitem")).toHaveCount(4); // activities off, focus sessions off, retention, deletion after inactivity
  await expect(log.getByRole("listitem").first()).toContainText("Apply the privacy settings you chose");
  await expect(log.getByRole("listitem").first()).toContainText("Changed: retention policy");
  await expect(log.getByRole("listitem").first()).toContainText("Legal basis: Your consent");
  await page.getByLabel("Activity", { exact: true }).selectOption({ label: "Data export" });
  await expect(page.getByText("No data export entries")).toBeVisible();
  await page.getByLabel("Activity", { exact: true }).selectOption({ label: "All activities" });
  await expect(log.getByRole("listitem").first()).toBeVisible();

  // Export: built by a job, announced live, downloadable by this user.
  await page.getByRole("button", { name: "Export as JSON" }).click();
  const downloadLink = page.getByRole("list", { name: "Your exports" }).getByRole("link", { name: /Download \(/ });
  await expect(downloadLink).toBeVisible({ timeout: 30_000 });
  const exported = await page.request.get((await downloadLink.getAttribute("href"))!);
  expect(exported.status()).toBe(200);
  const document = (await exported.json()) as { tables: Record<string, Array<Record<string, unknown>>> };
  expect(document.tables.users?.[0]).toMatchObject({ email });
  expect(document.tables.users?.[0]).not.toHaveProperty("password_hash");
  expect(document.tables.consents?.length).toBeGreaterThanOrEqual(3);

  await page.screenshot({ path: `${ARTIFACTS}/privacy.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${ARTIFACTS}/privacy-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // Delete the account: the password is asked again, a wrong one deletes nothing.
  await page.getByRole("button", { name: "Delete account…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete your account?" });
  await expect(dialog).toContainText("cannot be recovered");
  await dialog.getByLabel("Your password").fill("not the password");
  await dialog.getByRole("button", { name: "Delete my account" }).click();
  await expect(dialog.getByRole("alert")).toContainText("That password is not right");
  await page.screenshot({ path: `${ARTIFACTS}/privacy-delete-dialog.png` });
  await dialog.getByLabel("Your password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Delete my account" }).click();

  await expect(page).toHaveURL(/\/\?farewell=deleted$/, { timeout: 30_000 });
  await expect(page.getByRole("status").filter({ hasText: "Your account is deleted" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create account" })).toBeVisible();

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("withdrawing consent offers to delete the data it covered, and anonymizing ends the account", async ({ page, baseURL }) => {
  const email = await signUp(page, "privacy-withdraw");
  // A desktop device sets up sync (which records the consent) and uploads a project.
  const laptop = await desktopDevice(page, baseURL!, "Laptop");
  await laptop.put("projects", "website", { name: "Website" });
  await laptop.sync();

  // GitHub connected with consent on the Integrations page.
  await page.goto("/integrations");
  await connectGitHub(page);

  await page.goto("/privacy");
  const history = page.getByRole("list", { name: "Consent history" });
  await expect(history).toContainText("GitHub integration");
  await expect(history).toContainText("Cloud sync");

  // The readable copy is built here: unlocked with the sync passphrase, decrypted in the browser, saved as a file.
  await expect(page.getByRole("button", { name: "Download decrypted JSON" })).toHaveCount(0);
  await unlockInBrowser(page);
  const saved = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download decrypted JSON" }).click();
  const file = await saved;
  expect(file.suggestedFilename()).toMatch(/^devpulse-decrypted-\d{4}-\d{2}-\d{2}\.json$/);
  const decrypted = JSON.parse(await readFile((await file.path())!, "utf8")) as { format: string; collections: { projects?: Record<string, { value: unknown }> } };
  expect(decrypted.format).toBe("devpulse-decrypted-export");
  expect(decrypted.collections.projects?.website?.value).toEqual({ name: "Website" });
  await expect(page.getByText("Saved 1 record.")).toBeVisible();

  // Cloud sync withdrawn: the server holds a project, so deleting it is offered.
  await page.getByRole("switch", { name: "Sync my data to DevPulse Cloud" }).click();
  const deleteSynced = page.getByRole("dialog", { name: "Delete your synced data too?" });
  await expect(deleteSynced).toContainText("Your devices keep their local copies");
  await page.screenshot({ path: `${ARTIFACTS}/privacy-withdraw-offer.png` });
  await deleteSynced.getByRole("button", { name: "Delete all synced data" }).click();
  await expect(deleteSynced).toBeHidden();
  await expect(page.getByText("Deleted everything you had synced")).toBeVisible();
  await expect(history.getByRole("listitem").first()).toContainText("Withdrawn");

  // GitHub withdrawn: fetching stops at once, and disconnecting (deleting what it cached) is offered.
  const github = page.getByRole("list", { name: "Integration privacy settings" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
  await expect(github).toContainText("Connected as @octo-dev");
  // A permission withheld is saved (and checked by the server before every GitHub job).
  const commitHistory = github.getByRole("checkbox", { name: /Fetch your commit history/ });
  await expect(commitHistory).toBeChecked();
  await expect(github.getByRole("checkbox", { name: /Read your repository list/ })).toBeDisabled();
  await commitHistory.uncheck();
  await expect(github.getByText("Saved")).toBeVisible();
  await page.reload();
  await expect(commitHistory).not.toBeChecked();
  await expect(github.getByRole("checkbox", { name: /Hear about pushes as they happen/ })).toBeChecked();
  await github.getByRole("switch", { name: "Allow GitHub" }).click();
  const disconnect = page.getByRole("dialog", { name: "Disconnect GitHub and delete its data?" });
  await disconnect.getByRole("button", { name: "Disconnect GitHub" }).click();
  await expect(disconnect).toBeHidden();
  await expect(page.getByText("Disconnected GitHub and deleted its tokens")).toBeVisible();
  await expect(github).toContainText("Not connected");
  await expect(github.getByRole("switch", { name: "Allow GitHub" })).toHaveAttribute("aria-checked", "false");
  await page.screenshot({ path: `${ARTIFACTS}/privacy-withdrawn.png`, fullPage: true });
  await expect(history.getByRole("listitem").first()).toContainText("GitHub integration");
  await expect(history.getByRole("listitem").first()).toContainText("Withdrawn");

  // Anonymize, confirmed with the password after a wrong proof was refused.
  await page.getByRole("button", { name: "Anonymize…" }).click();
  const dialog = page.getByRole("dialog", { name: "Anonymize your account?" });
  await dialog.getByRole("button", { name: /no password/ }).click();
  await dialog.getByLabel("Your account email").fill(email);
  await dialog.getByRole("button", { name: "Anonymize and delete my account" }).click();
  await expect(dialog.getByRole("alert")).toContainText("That password is not right");
  await dialog.getByRole("button", { name: "My account has a password" }).click();
  await dialog.getByLabel("Your password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Anonymize and delete my account" }).click();
  await expect(page).toHaveURL(/\/\?farewell=anonymized$/, { timeout: 30_000 });
  await expect(page.getByRole("status").filter({ hasText: "Your account is anonymized" })).toBeVisible();

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
});

test("an export whose build crashed fails at its deadline and can be tried again; an expired one says its file was deleted", async ({ page }) => {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  test.skip(!databaseUrl, "ages exports in the server's database: runs on the Postgres server run (PGlite's folder is the server's alone)");
  const email = await signUp(page, "export-states");
  await page.goto("/privacy");
  await page.getByRole("button", { name: "Export as JSON" }).click();
  const list = page.getByRole("list", { name: "Your exports" });
  await expect(list.getByRole("link", { name: /Download \(/ })).toBeVisible({ timeout: 30_000 });

  // An hour later the link has ended; and a CSV export was left "building" 20 minutes ago by a crash.
  const sql = postgres(databaseUrl!, { max: 1 });
  try {
    await sql`update data_exports set expires_at = now() - interval '1 second' where user_id = (select id from users where email = ${email})`;
    await sql`insert into data_exports (user_id, format, created_at) select id, 'csv', now() - interval '20 minutes' from users where email = ${email}`;
  } finally {
    await sql.end();
  }
  await page.reload();
  const expired = list.getByRole("listitem").filter({ hasText: "JSON" });
  await expect(expired).toContainText("Link expired");
  await expect(expired).toContainText("The file was deleted from the server.");
  await expect(expired.getByRole("link")).toHaveCount(0);
  const crashed = list.getByRole("listitem").filter({ hasText: "CSV zip" });
  await expect(crashed).toContainText("Failed");
  await expect(crashed).toContainText("The export did not finish within 15 minutes: try again.");
  await expect(page.getByText("Building…")).toHaveCount(0); // nothing left to poll for
  await page.screenshot({ path: `${ARTIFACTS}/privacy-export-states.png`, fullPage: true });

  await crashed.getByRole("button", { name: "Try again (CSV zip export)" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await expect(list.getByRole("listitem").first().getByRole("link", { name: /Download \(/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("list", { name: "Processing log" }).getByRole("listitem").filter({ hasText: "Delete your data export once its download link expired" })).toHaveCount(1);
});
