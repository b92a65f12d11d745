import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { ARTIFACTS, signUp } from "./support";

const receiverUrl = process.env.E2E_WEBHOOK_RECEIVER_URL!;

type Received = { path: string; verification: string; body: string; answeredWith: number };

test("register the sandbox's webhook receiver, send a test, and see the signed delivery in the log", async ({ page, request }) => {
  await signUp(page, "webhooks");
  await page.getByRole("link", { name: "Webhooks" }).first().click();
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  await expect(page.getByText("No webhook endpoints yet")).toBeVisible();

  const path = `/hooks/e2e-${randomUUID().slice(0, 8)}`;
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const dialog = page.getByRole("dialog", { name: "Add an endpoint" });
  await dialog.getByLabel("Endpoint URL").fill(`${receiverUrl}${path}`);
  await dialog.getByLabel("Description (optional)").fill("Sandbox receiver");
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  await expect(dialog).toBeHidden();

  // The secret, shown once: the receiver is given it to verify signatures, as a user would paste it.
  const secret = await page.getByTestId("webhook-secret").inputValue();
  expect(secret).toMatch(/^whsec_/);
  await request.post(`${receiverUrl}/secrets`, { form: { path, secret }, maxRedirects: 0 });
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

  const endpoint = page.getByRole("listitem").filter({ hasText: "Sandbox receiver" });
  await expect(endpoint.getByText("Enabled")).toBeVisible();

  // A dialog that goes away gives the keyboard back to the button that opened it (Escape, and a saved edit).
  const edit = endpoint.getByRole("button", { name: "Edit Sandbox receiver" });
  await edit.click();
  await expect(page.getByRole("dialog", { name: "Edit endpoint" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Edit endpoint" })).toHaveCount(0);
  await expect(edit).toBeFocused();
  await edit.click();
  await page.getByRole("dialog", { name: "Edit endpoint" }).getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("dialog", { name: "Edit endpoint" })).toHaveCount(0);
  await expect(edit).toBeFocused();
  await endpoint.getByRole("button", { name: "Send a test to Sandbox receiver" }).click();

  const delivery = endpoint.getByTestId("webhook-delivery").first();
  await expect(delivery.getByText("Test message")).toBeVisible();
  await expect(delivery.getByText("Delivered")).toBeVisible();
  await expect(delivery.getByRole("list", { name: "Attempts" }).getByText("200")).toBeVisible();

  const received = (await (await request.get(`${receiverUrl}/deliveries.json`)).json()) as Received[];
  const mine = received.filter((r) => r.path === path);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ verification: "verified", answeredWith: 200 });
  expect(JSON.parse(mine[0]!.body)).toMatchObject({ type: "webhook.test" });

  await page.screenshot({ path: `${ARTIFACTS}/webhooks.png`, fullPage: true });

  // The operator's view of the same: the sandbox serves /api/metrics to its demo token, and to nobody else.
  expect((await request.get("/api/metrics")).status()).toBe(401);
  const scrape = async () => (await request.get("/api/metrics", { headers: { authorization: "Bearer sandbox-metrics-token" } })).text();
  // The run completes a moment after its delivery is recorded as delivered.
  await expect.poll(scrape).toMatch(/^devpulse_job_runs_total\{job="deliver-webhook",outcome="completed"\} [1-9]/m);
  const metrics = await scrape();
  expect(metrics).toMatch(/^devpulse_webhook_deliveries_total\{outcome="delivered"\} [1-9]/m);
  expect(metrics).toContain("# TYPE devpulse_email_circuit_state gauge");
});
