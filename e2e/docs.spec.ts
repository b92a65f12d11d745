import { expect, test } from "@playwright/test";
import { ARTIFACTS } from "./support";

test("/docs renders the API reference of /api/openapi.json, loading nothing from outside the deployment", async ({ page, baseURL }) => {
  const elsewhere: string[] = [];
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(baseURL!) && !/^(data|blob):/.test(url)) elsewhere.push(url);
  });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  const response = await page.goto("/docs");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "DevPulse Cloud API", level: 1 })).toBeVisible({ timeout: 30_000 });
  // The guide a client in another language is written from.
  await expect(page.getByRole("heading", { name: "Signing a device in (device grant, RFC 8628)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Record envelopes" })).toBeAttached();

  // Every tag's operations in the sidebar (open a group the reference left closed).
  const sidebar = page.getByRole("complementary", { name: /Sidebar/ });
  for (const group of ["Auth", "Sync", "Integrations", "External data"]) {
    const closed = sidebar.getByRole("button", { name: `Open Group - ${group}` });
    if (await closed.isVisible()) await closed.click();
  }
  for (const summary of [
    "Start signing a device in (RFC 8628)",
    "Poll for the device token",
    "Upload a batch of encrypted changes (atomic)",
    "Download the changes after a cursor",
    "List every integration with its state",
    "Your commits in a time range",
  ]) {
    await expect(sidebar.getByRole("link", { name: new RegExp(`^${summary.replace(/[()]/g, "\\$&")}`) }), summary).toBeVisible();
  }
  await page.screenshot({ path: `${ARTIFACTS}/docs.png` });

  // An operation's page: its path, and the request it takes.
  await sidebar.getByRole("link", { name: /^Upload a batch of encrypted changes/ }).click();
  await expect(page.getByRole("heading", { name: "Upload a batch of encrypted changes (atomic)" })).toBeVisible();
  await expect(page.getByText("/sync/upload").first()).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/docs-upload.png` });

  expect(elsewhere, "requests that left the deployment").toEqual([]);
  expect(errors).toEqual([]);
});
