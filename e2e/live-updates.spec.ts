import { expect, test, type Page, type Route } from "@playwright/test";
import { anonymousClient, ARTIFACTS, browserApi, desktopDevice, signUp } from "./support";

/** The realtime event stream (server-sent events; the e2e server has no Pusher). */
const STREAM = "**/api/trpc/realtime.events**";

/** Resolves once the page's realtime stream is in place, so events published from now on reach it. */
async function waitUntilLive(page: Page) {
  await expect(page.locator('[data-realtime="live"]')).toBeAttached();
}

/**
 * Until the returned function is called, `procedure` fails in every tRPC batch the page sends
 * (the rest of the batch is answered normally): with a server error, or with a null result that
 * breaks the page while it renders.
 */
async function breakProcedure(page: Page, procedure: string, how: "server-error" | "null-result" = "server-error") {
  const handler = async (route: Route) => {
    const url = new URL(route.request().url());
    const paths = decodeURIComponent(url.pathname.slice("/api/trpc/".length)).split(",");
    const index = paths.indexOf(procedure);
    if (index < 0 || !url.searchParams.has("batch")) return route.fallback();
    const response = await route.fetch();
    const results = (await response.json()) as unknown[];
    results[index] =
      how === "null-result"
        ? { result: { data: { json: null } } }
        : { error: { json: { message: "The server could not answer (test).", code: -32603, data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: procedure } } } };
    await route.fulfill({ response, json: results });
  };
  await page.route("**/api/trpc/**", handler);
  return () => page.unroute("**/api/trpc/**", handler);
}

test("dashboard counts change live; a cut stream shows a paused notice, and the counts catch up once it is back", async ({ page, baseURL }) => {
  await signUp(page, "live-dashboard");
  const devices = page.getByRole("main").getByRole("link").filter({ hasText: "signed in" });
  await expect(devices).toHaveText(/Devices\s*0\s*signed in/);
  await waitUntilLive(page);

  await test.step("a device signs in elsewhere: the count changes without a reload", async () => {
    await desktopDevice(page, baseURL!, "Live laptop");
    await expect(devices).toHaveText(/Devices\s*1\s*signed in/);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-live.png`, fullPage: true });
  });

  const notice = page.getByRole("status").filter({ hasText: "Live updates paused — reconnecting" });
  await test.step("the stream cannot connect: the notice says live updates are paused", async () => {
    await page.route(STREAM, (route) => route.abort("connectionrefused"));
    await page.reload();
    await expect(notice).toBeVisible();
    await expect(page.locator('[data-realtime="paused"]')).toBeAttached();
    await page.screenshot({ path: `${ARTIFACTS}/realtime-paused.png` });
  });

  await test.step("meanwhile another device signs in: nothing can tell the page", async () => {
    await desktopDevice(page, baseURL!, "Second laptop");
    await page.waitForTimeout(1500);
    await expect(devices).toHaveText(/Devices\s*1\s*signed in/);
  });

  await test.step("the stream is back: the notice goes and the page refetches what it missed", async () => {
    await page.unroute(STREAM);
    await expect(notice).toBeHidden({ timeout: 20_000 });
    await expect(devices).toHaveText(/Devices\s*2\s*signed in/);
  });
});

test("the job runs list shows a run as it happens", async ({ page, baseURL }) => {
  await signUp(page, "live-jobs");
  await page.goto("/settings/jobs");
  await expect(page.getByText("No jobs have run for you yet")).toBeVisible();
  await waitUntilLive(page);
  await (await browserApi(page, baseURL!)).privacy.export.mutate({ format: "json" });
  // The list used to poll every 10 s; the run's events now bring it in within moments.
  const run = page.getByRole("list", { name: "Job runs" }).getByRole("listitem").filter({ hasText: "Build your data export" });
  await expect(run).toContainText("Completed", { timeout: 6_000 });
});

test("an open approval page learns that its request was approved in another tab", async ({ page, baseURL }) => {
  await signUp(page, "live-approval");
  const started = await anonymousClient(baseURL!).devices.startAuthorization.mutate({ deviceName: "Shared desktop" });
  await page.goto(`/device?code=${started.userCode}`);
  await expect(page.getByRole("heading", { name: "“Shared desktop” wants to access your account" })).toBeVisible();
  await waitUntilLive(page);

  await (await browserApi(page, baseURL!)).devices.approveAuthorization.mutate({ userCode: started.userCode });
  await expect(page.getByRole("heading", { name: "“Shared desktop” is connected" })).toBeVisible();
  await expect(page.getByText("It was approved in another tab or window.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve device" })).toHaveCount(0);
});

test("every list that fails to load offers a retry that works", async ({ page, baseURL }) => {
  await signUp(page, "live-retry");
  const device = await desktopDevice(page, baseURL!, "Laptop");
  await device.put("settings", "editor", { theme: "dark" });
  await device.sync();

  const lists = [
    { path: "/settings/devices", procedure: "devices.list", failure: "Could not load your devices", loaded: page.getByRole("list", { name: "Devices" }) },
    { path: "/settings/jobs", procedure: "jobs.runs", failure: "Could not load your job runs", loaded: page.getByRole("heading", { name: "Latest runs" }) },
    { path: "/conflicts/history/settings/editor", procedure: "conflicts.history", failure: "Could not load the history", loaded: page.getByText("1 revision(s)") },
    { path: "/privacy", procedure: "privacy.exports", failure: "Could not load your exports", loaded: page.getByRole("button", { name: "Export as JSON" }) },
  ];
  for (const { path, procedure, failure, loaded } of lists) {
    await test.step(path, async () => {
      const lift = await breakProcedure(page, procedure);
      await page.goto(path);
      const alert = page.getByRole("alert").filter({ hasText: failure });
      await expect(alert).toBeVisible();
      if (procedure === "devices.list") await page.screenshot({ path: `${ARTIFACTS}/list-load-error.png` });
      await lift();
      await alert.getByRole("button", { name: "Try again" }).click();
      await expect(alert).toBeHidden();
      await expect(loaded).toBeVisible();
    });
  }
});

test("a page that breaks shows the error page inside the shell, and its retry recovers; a missing page shows not found", async ({ page }) => {
  await signUp(page, "live-errors");

  await test.step("error", async () => {
    const lift = await breakProcedure(page, "devices.list", "null-result");
    await page.goto("/settings/devices");
    await expect(page.getByRole("heading", { name: "This page could not be shown" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).first()).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/app-error.png` });
    await lift();
    await page.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByText("No devices yet")).toBeVisible();
  });

  await test.step("not found", async () => {
    // (The status is 200: the signed-in layout streams, so the answer has begun before the page says "not found".)
    await page.goto("/conflicts/history/not-a-collection/editor");
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).first()).toBeVisible();
    await page.getByRole("link", { name: "Go to the dashboard" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
  });
});
