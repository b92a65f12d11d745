import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { ARTIFACTS, PASSWORD, signUp } from "./support";

const NEW_PASSWORD = "another long passphrase 42";

/** No serious or critical accessibility violations on the current page. */
async function expectAccessible(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The text of the newest mail to `to` that the sandbox's email provider (the Resend stand-in) accepted. */
async function mailTo(to: string): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${process.env.E2E_RESEND_URL}/_double/messages?to=${encodeURIComponent(to)}`);
      const messages = (await response.json()) as { subject: string; text: string | null }[];
      found = messages.find((message) => /reset/i.test(message.subject))?.text ?? undefined;
      return Boolean(found);
    })
    .toBe(true);
  return found!;
}

test("account page: change the name, and link GitHub as a second way to sign in", async ({ page }) => {
  await signUp(page, "account");
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page).toHaveURL(/\/settings\/account$/);
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();

  // Display name: saved, and the app shell shows it.
  await page.getByLabel("Display name").fill("Grace Hopper");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByText("Your name was saved.")).toBeVisible();
  await expect(page.getByText("Grace Hopper", { exact: true }).first()).toBeVisible(); // the app shell's user card

  // The only sign-in method cannot be removed; linking GitHub (the sandbox's stand-in) makes two.
  const password = page.getByTestId("method-password");
  await expect(password.getByRole("button", { name: "Remove" })).toBeDisabled();
  await page.getByTestId("method-github").getByRole("button", { name: "Link GitHub" }).click();
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page).toHaveURL(/\/settings\/account\?linked=github$/);
  await expect(page.getByText("GitHub is now linked: you can sign in with it.")).toBeVisible();
  await expect(page.getByTestId("method-github").getByText("Linked", { exact: true })).toBeVisible();
  await expect(password.getByRole("button", { name: "Remove" })).toBeEnabled();
  await expectAccessible(page);
  await page.screenshot({ path: `${ARTIFACTS}/account-page.png`, fullPage: true });
});

test("account page: a password change signs out the other browser and keeps this one", async ({ page, browser }) => {
  const email = await signUp(page, "password");
  await page.goto("/settings/account");

  // A second browser signed in to the same account.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email, PASSWORD);
  await expect(otherPage).toHaveURL(/\/dashboard$/);

  await page.getByLabel("Current password").last().fill("not the password");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your current password is not correct.")).toBeVisible();

  await page.getByLabel("Current password").last().fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Every other browser session was signed out; this one stays signed in.")).toBeVisible();

  // The other browser is signed out; this one is not.
  await otherPage.goto("/settings/account");
  await expect(otherPage).toHaveURL(/\/sign-in/);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();

  // The new password signs in; the old one no longer does.
  await signIn(otherPage, email, PASSWORD);
  await expect(otherPage.getByRole("main").getByRole("alert")).toContainText("Wrong email or password.");
  await signIn(otherPage, email, NEW_PASSWORD);
  await expect(otherPage).toHaveURL(/\/dashboard$/);
  await other.close();
});

test("forgot password: the link in the mail sets a new password once and signs in", async ({ page, browser }) => {
  const email = await signUp(page, "reset");
  await page.context().clearCookies();

  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expectAccessible(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText(`If an account uses ${email}, we sent it a link`)).toBeVisible();

  const mail = await mailTo(email);
  const link = /(http:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]{43})/.exec(mail)?.[1];
  expect(link).toBeTruthy();

  await page.goto(link!);
  await expectAccessible(page);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // The link worked once.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link!);
  await again.getByLabel("New password", { exact: true }).fill("a third long passphrase");
  await again.getByLabel("Repeat the new password").fill("a third long passphrase");
  await again.getByRole("button", { name: "Set new password" }).click();
  await expect(again.getByRole("main").getByRole("alert")).toContainText("already used, or it expired");
});

test("sign-in page: a button per configured provider; Continue with LinkedIn creates an account and signs in", async ({ page }) => {
  await page.goto("/sign-in");
  // The sandbox configures every provider: each shows, in the account page's order.
  const buttons = page.getByRole("button", { name: /^Continue with / });
  await expect(buttons).toHaveText(["Continue with GitHub", "Continue with Google", "Continue with Microsoft", "Continue with LinkedIn"]);
  await expectAccessible(page);

  await page.getByRole("button", { name: "Continue with LinkedIn" }).click();
  await expect(page.getByRole("heading", { name: "Authorize DevPulse Cloud" })).toBeVisible(); // the LinkedIn double's consent page
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto("/settings/account");
  await expect(page.getByText("ana.lima@devpulse.test").first()).toBeVisible();
  await expect(page.getByTestId("method-linkedin").getByText("Linked", { exact: true })).toBeVisible();
  await expect(page.getByTestId("method-password").getByText("Not linked", { exact: true })).toBeVisible();
});

test("account page: link Microsoft, then sign in with it to the same account", async ({ page }) => {
  const email = await signUp(page, "microsoft");
  await page.goto("/settings/account");
  await page.getByTestId("method-microsoft").getByRole("button", { name: "Link Microsoft" }).click();
  await page.getByRole("button", { name: "Authorize" }).click(); // the Microsoft double's consent page
  await expect(page).toHaveURL(/\/settings\/account\?linked=microsoft$/);
  await expect(page.getByText("Microsoft is now linked: you can sign in with it.")).toBeVisible();

  await page.context().clearCookies();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue with Microsoft" }).click();
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/account");
  await expect(page.getByText(email).first()).toBeVisible();
  await expect(page.getByTestId("method-microsoft").getByText("Linked", { exact: true })).toBeVisible();
});
