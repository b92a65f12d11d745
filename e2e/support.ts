import { randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";

/** Screenshots kept from every run. */
export const ARTIFACTS = "e2e/artifacts";
export const PASSWORD = "a long and unusual passphrase";

/** Signs a new user up in the browser and returns their email; the page ends on the dashboard. */
export async function signUp(page: Page, label = "e2e"): Promise<string> {
  const email = `${label}-${randomUUID()}@example.test`;
  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}
