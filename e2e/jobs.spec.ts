import { expect, test } from "@playwright/test";
import { ARTIFACTS, signUp } from "./support";

test("the background jobs page says how jobs run here and shows an empty history for a new account", async ({ page }) => {
  await signUp(page, "jobs");
  await page.getByRole("link", { name: "Background jobs" }).click();
  await expect(page).toHaveURL(/\/settings\/jobs$/);
  await expect(page.getByRole("heading", { name: "Background jobs" })).toBeVisible();
  // The e2e server has no Inngest configured: the page says so, and what that means.
  await expect(page.getByText(/Jobs run inside this server \(no Inngest configured\)/)).toBeVisible();
  await expect(page.getByText("No jobs have run for you yet")).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/jobs-empty.png`, fullPage: true });
});
