import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { authorizeDevice, createDevPulseClient } from "../src/client";
import { ARTIFACTS, PASSWORD, signUp } from "./support";


async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

test("sign up, sign out, sign in, approve a device; the device token answers auth.me from Node", async ({ page, baseURL }) => {
  const email = `e2e-${randomUUID()}@example.test`;

  await test.step("sign up", async () => {
    await page.goto("/sign-up");
    await screenshot(page, "sign-up");
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Use at least 10 characters")).toBeVisible();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
    await screenshot(page, "dashboard");
  });

  await test.step("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fdashboard/);
  });

  // The desktop app starts the device grant and shows its code while the user is signed out.
  const anonymous = createDevPulseClient({ url: baseURL! });
  let showPrompt!: (prompt: { userCode: string; verificationUriComplete: string }) => void;
  const prompt = new Promise<{ userCode: string; verificationUriComplete: string }>((resolve) => (showPrompt = resolve));
  const authorization = authorizeDevice(anonymous, { deviceName: "E2E laptop", onPrompt: showPrompt });
  const { userCode, verificationUriComplete } = await prompt;

  await test.step("the device link asks to sign in, wrong password first, then returns to the code", async () => {
    await page.goto(verificationUriComplete);
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(new RegExp(`/device\\?code=${userCode}$`));
    await expect(page.getByTestId("signed-in-email").first()).toHaveText(email);
  });

  await test.step("approve the device code in the browser", async () => {
    await expect(page.getByRole("heading", { name: "“E2E laptop” wants to access your account" })).toBeVisible();
    await screenshot(page, "device-approve");
    await page.getByRole("button", { name: "Approve device" }).click();
    await expect(page.getByRole("heading", { name: "“E2E laptop” is connected" })).toBeVisible();
  });

  const { token } = await authorization;
  const device = createDevPulseClient({ url: baseURL!, token });

  await test.step("the device token answers auth.me from a plain Node client", async () => {
    const me = await device.auth.me.query();
    expect(me.email).toBe(email);
    expect(me.device?.name).toBe("E2E laptop");
  });

  await test.step("the device is listed and can be revoked", async () => {
    await page.goto("/settings/devices");
    const row = page.getByRole("list", { name: "Devices" }).getByRole("listitem").filter({ hasText: "E2E laptop" });
    await expect(row).toContainText("last active");
    await screenshot(page, "devices");
    await row.getByRole("button", { name: "Revoke E2E laptop" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke “E2E laptop”?" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Revoke device" }).click();
    await expect(page.getByText("“E2E laptop” was signed out.")).toBeVisible();
    await expect(page.getByText("No devices yet")).toBeVisible();
    await expect(device.auth.me.query()).rejects.toThrow(/not valid or was revoked/);
  });

  await test.step("the shell works on a phone-width screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/dashboard");
    // Escape and a press outside close the menu, as they close the bell's panel.
    await page.getByRole("button", { name: "Open menu" }).click();
    await page.keyboard.press("Escape");
    await expect(page.getByRole("button", { name: "Open menu" })).toBeFocused();
    await page.getByRole("button", { name: "Open menu" }).click();
    // Below the open menu, on the page behind it (a raw press: the menu covers the top of the page).
    await page.mouse.click(200, 820);
    await expect(page.getByRole("button", { name: "Open menu" })).toBeVisible();
    await page.getByRole("button", { name: "Open menu" }).click();
    // The menu the button opens (its id comes from useId, so it is read, not assumed).
    const menuId = await page.getByRole("button", { name: "Close menu" }).getAttribute("aria-controls");
    await page.locator(`[id="${menuId}"]`).getByRole("link", { name: "Privacy" }).click();
    await expect(page.getByRole("heading", { name: "Privacy", level: 1 })).toBeVisible();
    await screenshot(page, "privacy-mobile");
  });
});

test("bad device codes get clear messages", async ({ page }) => {
  await signUp(page);

  await page.goto("/device?code=BBBB-BBBB");
  await expect(page.getByText("No sign-in request has this code. Check the code shown on your device.")).toBeVisible();
  await page.getByLabel("Device code").fill("12");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByText("Enter the 8-letter code shown on your device")).toBeVisible();
});

test("a code entered while the page checks the last one again is not lost", async ({ page }) => {
  await signUp(page);
  // When live updates come up, the page may ask again about the code it shows (useRealtime's onReady),
  // at any moment. Pin that moment: hold the stream until the first answer is on screen, then hold the
  // second question, so the new code is typed and submitted while it is in flight (the flaky CI run).
  const asksAbout = (url: string, code: string) => decodeURIComponent(url).includes(`"userCode":"${code}"`);
  let openStream!: () => void;
  const streamHeld = new Promise<void>((resolve) => (openStream = resolve));
  let answerAgain!: () => void;
  const secondAnswerHeld = new Promise<void>((resolve) => (answerAgain = resolve));
  let askedAboutOldCode = 0;
  await page.route(/\/api\/trpc\/realtime\.events\b/, async (route) => {
    await streamHeld;
    await route.continue().catch(() => {});
  });
  await page.route(/\/api\/trpc\/[^?]*devices\.describeAuthorization/, async (route) => {
    if (asksAbout(route.request().url(), "BBBB-BBBB") && ++askedAboutOldCode > 1) await secondAnswerHeld;
    await route.continue().catch(() => {});
  });

  await page.goto("/device?code=BBBB-BBBB");
  await expect(page.getByText("No sign-in request has this code. Check the code shown on your device.")).toBeVisible();
  openStream();
  await expect.poll(() => askedAboutOldCode).toBe(2);
  await page.getByLabel("Device code").fill("12");
  const continueButton = page.getByRole("button", { name: "Continue" });
  await expect(continueButton).toBeEnabled();
  await continueButton.click();
  await expect(page.getByText("Enter the 8-letter code shown on your device")).toBeVisible();
  // The old code's late answer does not replace the new one's.
  const lateAnswer = page.waitForResponse((response) => asksAbout(response.url(), "BBBB-BBBB"));
  answerAgain();
  await lateAnswer;
  await expect(page.getByText("Enter the 8-letter code shown on your device")).toBeVisible();
  await expect(page.getByText("No sign-in request has this code")).toHaveCount(0);
  await page.unrouteAll({ behavior: "ignoreErrors" });
});

test("repeated wrong passwords lock the account with a clear message", async ({ page, baseURL }) => {
  const email = `e2e-${randomUUID()}@example.test`;
  await createDevPulseClient({ url: baseURL! }).auth.register.mutate({ email, password: PASSWORD });
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel("Password").fill(`wrong password ${attempt}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Too many failed sign-in attempts for this account. Try again in");
  await expect(page).toHaveURL(/\/sign-in/);
});
