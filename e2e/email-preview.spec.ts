import { expect, test } from "@playwright/test";
import { signUp } from "./support";

test("the email preview lists every template and shows its HTML (sandboxed) and text parts", async ({ page }) => {
  await signUp(page, "email-preview");
  await page.goto("/settings/notifications/emails");
  await expect(page.getByRole("heading", { name: "Email previews", level: 1 })).toBeVisible();
  const templates = page.getByRole("navigation", { name: "Email templates" }).getByRole("button");
  await expect(templates).toHaveCount(7);

  await templates.filter({ hasText: "Digest" }).click();
  await expect(page.getByText("Subject: Your daily DevPulse digest: 4 notifications")).toBeVisible();
  const frame = page.locator('iframe[title="Digest: HTML part"]');
  await expect(frame).toHaveAttribute("sandbox", "");
  await expect(page.frameLocator('iframe[title="Digest: HTML part"]').getByRole("heading", { name: "Your daily digest" })).toBeVisible();
  await page.screenshot({ path: "test-results/email-preview-html.png", fullPage: true });

  await page.getByRole("tab", { name: "Plain text" }).click();
  await expect(page.getByRole("tabpanel", { name: "Plain text" })).toContainText("Sync (1)");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/email-preview-text-mobile.png", fullPage: true });
});
