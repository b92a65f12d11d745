import { expect, test, type Page } from "@playwright/test";
import { PAGES, pathOf, seedEveryPage, waitUntilLoaded } from "./pages";
import { signUp, unlockInBrowser } from "./support";

/**
 * Collects every Content-Security-Policy violation the page reports, whichever frame it is in:
 * `securitypolicyviolation` events (an init script, on every document that runs scripts) and the
 * browser's console errors about the policy (also from frames that run none, like the email
 * preview's sandboxed iframe).
 */
async function watchContentSecurityPolicy(page: Page) {
  const violations: string[] = [];
  await page.exposeBinding("__reportCspViolation", ({ frame }, report: string) => void violations.push(`${frame.url()}: ${report}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation: (report: string) => void }).__reportCspViolation;
      void report(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} ${event.sample ? `"${event.sample}"` : ""} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  page.on("console", (message) => {
    if (/content security policy/i.test(message.text())) violations.push(`console ${message.type()} on ${page.url()}: ${message.text()}`);
  });
  return violations;
}

/** Signed-in pages show whether their realtime stream (SSE to /api/trpc) is connected: it needs the scripts and connect-src. */
async function expectLive(page: Page) {
  await expect(page.locator('[data-realtime="live"]')).toBeAttached();
}

test("no page of the app breaks its content security policy", async ({ page, baseURL }) => {
  test.setTimeout(600_000);
  const violations = await watchContentSecurityPolicy(page);

  await test.step("the watcher sees a violation: injected markup's inline event handler does not run", async () => {
    await page.goto("/sign-in");
    await waitUntilLoaded(page);
    // What an injection (XSS) would add to the page: markup with an inline handler, which has no nonce.
    await page.evaluate(() => {
      const injected = document.createElement("div");
      injected.innerHTML = `<img src="/no-such-image" alt="" onerror="document.body.dataset.injected = 'ran'">`;
      document.body.append(injected);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(violations.join("\n")).toMatch(/script-src/);
    expect(await page.locator("body").getAttribute("data-injected")).toBeNull();
    violations.length = 0;
  });

  for (const entry of PAGES.filter((candidate) => !candidate.signedIn)) {
    await test.step(entry.path, async () => {
      await page.goto(entry.path);
      await waitUntilLoaded(page);
    });
  }
  await test.step("a page that does not exist", async () => {
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found", level: 1 })).toBeVisible();
    await expect(page.getByRole("link", { name: "Home", exact: true })).toHaveAttribute("href", "/");
    // The product's icon in the tab, on every page (src/app/icon.svg).
    await expect(page.locator('link[rel="icon"]')).toHaveAttribute("href", /^\/icon\.svg/);
  });

  const seeded = await seedEveryPage(page, baseURL!, "csp");
  for (const entry of PAGES.filter((candidate) => candidate.signedIn)) {
    const path = pathOf(entry, seeded);
    await test.step(path, async () => {
      await page.goto(path);
      await waitUntilLoaded(page);
      await expectLive(page);
      if (entry.unlock) {
        await unlockInBrowser(page);
        await expect(page.getByLabel("Sync passphrase")).toBeHidden();
      }
      if (entry.route === "/settings/notifications/emails") {
        // The mail's HTML in the sandboxed srcdoc iframe, which inherits the page's policy: styled inline.
        await page.getByRole("navigation", { name: "Email templates" }).getByRole("button").filter({ hasText: "Digest" }).click();
        await expect(page.frameLocator('iframe[title="Digest: HTML part"]').getByRole("heading", { name: "Your daily digest" })).toBeVisible();
      }
    });
  }
  await test.step("a signed-in page that does not exist", async () => {
    await page.goto("/conflicts/history/not-a-collection/x");
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });

  expect(violations).toEqual([]);
});

test("pages carry the security headers, and a cross-site tRPC mutation on the session cookie is refused", async ({ page, baseURL }) => {
  await signUp(page, "csp-headers");

  await test.step("the headers of a page, with a fresh nonce per response", async () => {
    const first = await page.goto("/settings/account");
    const headers = first!.headers();
    const policy = headers["content-security-policy"]!;
    const scriptSrc = /(?:^|; )script-src ([^;]*)/.exec(policy)?.[1] ?? "";
    expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/]+=*' 'strict-dynamic'/);
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["permissions-policy"]).toContain("camera=()");
    // The e2e server's APP_URL is http: no HSTS (it would be ignored, and must not pin a plain-http deployment).
    expect(headers["strict-transport-security"]).toBeUndefined();
    const second = await page.reload();
    expect(second!.headers()["content-security-policy"]).not.toBe(policy);
    // Route handlers get the fixed headers too.
    expect((await page.request.get("/api/health")).headers()["x-content-type-options"]).toBe("nosniff");
  });

  await test.step("a cross-site POST with the session cookie is refused with 403; the same from our own pages works", async () => {
    const updateName = (name: string, headers: Record<string, string>) =>
      page.request.post("/api/trpc/account.updateName", { headers: { "content-type": "application/json", ...headers }, data: { json: { name } } });
    // What a browser sends when another site's page makes it post here (page.request carries the context's session cookie).
    const refused = await updateName("Mallory", { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(refused.status()).toBe(403);
    const body = (await refused.json()) as { error: { json: { message: string; data: { code: string } } } };
    expect(body.error.json.data.code).toBe("FORBIDDEN");
    expect(body.error.json.message).toMatch(/^Cross-site request refused/);

    const allowed = await updateName("Ada", { origin: baseURL!, "sec-fetch-site": "same-origin" });
    expect(allowed.status()).toBe(200);
    await page.goto("/settings/account");
    await expect(page.getByLabel("Display name")).toHaveValue("Ada");
  });
});
