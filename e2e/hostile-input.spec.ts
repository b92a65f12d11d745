import { expect, test } from "@playwright/test";
import { signUp } from "./support";

// Issue 14: hostile requests that the production server answered with a 500, sent to
// the real server (Next's own routing and decoding included, which the integration
// tests cannot reach). Each must be a clear 4xx.

test("undecodable paths, the unconfigured Inngest endpoint and next-auth's bad requests are 4xx on the production server", async ({ request }) => {
  // Bodies as bytes: Playwright would JSON-encode a string sent with a JSON content type.
  const statusOf = async (method: "GET" | "POST" | "PUT", path: string, init: { headers?: Record<string, string>; data?: string } = {}) =>
    (await request.fetch(path, { method, maxRedirects: 0, headers: init.headers, data: init.data === undefined ? undefined : Buffer.from(init.data) })).status();

  // Malformed percent-encoding: Next would fail decoding the route params before any app code runs.
  expect(await statusOf("POST", "/api/webhooks/%E0%A4%A")).toBe(400);
  expect(await statusOf("GET", "/api/trpc/%")).toBe(400);
  expect(await statusOf("GET", "/conflicts/%E0%A4%A")).toBe(400);
  // …and a well-formed encoding still reaches its route.
  expect(await statusOf("POST", "/api/webhooks/no%20such%20provider", { data: "{}" })).toBe(404);

  // The sandbox runs its jobs in-process: /api/inngest is not served.
  for (const method of ["GET", "POST", "PUT"] as const) expect(await statusOf(method, "/api/inngest")).toBe(404);

  const json = { "content-type": "application/json" };
  expect(await statusOf("POST", "/api/auth/callback/credentials", { headers: json, data: "not json" })).toBe(400);
  expect(await statusOf("POST", "/api/auth/_log", { headers: json, data: "not json" })).toBe(400);
  expect(await statusOf("POST", "/api/auth/_log", { headers: json, data: JSON.stringify({ level: "__proto__", code: "X" }) })).toBe(400);
  expect(await statusOf("GET", "/api/auth/callback/credentials")).toBe(405);
  expect(await statusOf("GET", "/api/auth/error?error=%00")).toBe(400);
  // next-auth itself still answers.
  expect(await statusOf("GET", "/api/auth/providers")).toBe(200);
});

test("an export id that is not a uuid is a 404 for a signed-in user", async ({ page }) => {
  await signUp(page, "hostile");
  const response = await page.request.get("/api/privacy/exports/000000000000000000000000000000000000");
  expect(response.status()).toBe(404);
  expect(await response.json()).toEqual({ error: "No such export for this account." });
});
