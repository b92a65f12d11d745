import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { expect, type Page } from "@playwright/test";
import { connectGitHub, desktopDevice, signUp } from "./support";

/**
 * Every page of the app, one line each: `route` is the page's folder under src/app (route
 * groups left out), `path` what to visit, with {placeholders} filled from `seedEveryPage`.
 * A new page is one line here; the specs that visit every page (accessibility, security
 * headers) fail until it has one.
 * `unlock`: also check the page once the sync passphrase is entered (what it shows then).
 */
export const PAGES: ReadonlyArray<{ route: string; path: string; signedIn: boolean; unlock?: boolean }> = [
  { route: "/", path: "/", signedIn: false },
  { route: "/sign-in", path: "/sign-in", signedIn: false },
  { route: "/sign-up", path: "/sign-up", signedIn: false },
  { route: "/forgot-password", path: "/forgot-password", signedIn: false },
  { route: "/reset-password", path: "/reset-password?token=not-a-real-link", signedIn: false },
  { route: "/confirm-email", path: "/confirm-email?token=not-a-real-link", signedIn: false },
  { route: "/dashboard", path: "/dashboard", signedIn: true },
  { route: "/device", path: "/device", signedIn: true }, // approving a device needs the account it joins
  { route: "/settings/devices", path: "/settings/devices", signedIn: true },
  { route: "/conflicts", path: "/conflicts", signedIn: true },
  { route: "/conflicts/[id]", path: "/conflicts/{conflictId}", signedIn: true, unlock: true },
  { route: "/conflicts/history/[collection]/[recordId]", path: "/conflicts/history/projects/{recordId}", signedIn: true, unlock: true },
  { route: "/calendar", path: "/calendar", signedIn: true }, // no calendar connected here: the empty state and the privacy switches
  { route: "/integrations", path: "/integrations", signedIn: true },
  { route: "/privacy", path: "/privacy", signedIn: true },
  { route: "/notifications", path: "/notifications", signedIn: true },
  { route: "/settings/notifications", path: "/settings/notifications", signedIn: true },
  { route: "/settings/webhooks", path: "/settings/webhooks", signedIn: true },
  { route: "/settings/jobs", path: "/settings/jobs", signedIn: true },
  { route: "/settings/account", path: "/settings/account", signedIn: true },
  { route: "/settings/notifications/emails", path: "/settings/notifications/emails", signedIn: true },
];

/** The pages under src/app, as PAGES names them. */
export function pageRoutes(dir = join(import.meta.dirname, "../src/app"), root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === "api" && dir === root ? [] : pageRoutes(join(dir, entry.name), root);
    if (entry.name !== "page.tsx") return [];
    const segments = relative(root, dir).split(sep).filter((segment) => segment && !/^\(.*\)$/.test(segment));
    return [`/${segments.join("/")}`];
  });
}

/** The page shows its real content: a heading, and no loading placeholders (role=status, "Loading …"). */
export async function waitUntilLoaded(page: Page) {
  await expect(page.locator("h1").first()).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^Loading/ })).toHaveCount(0);
}

/** Connected, without waiting for the first sync (slow on a busy machine; no page here needs its commits). */
export async function connectGitHubNow(page: Page) {
  await page.goto("/integrations");
  return connectGitHub(page, "Authorize", { waitForSync: false });
}

/**
 * Signs a new user up with something on every page: two devices, a conflict between them,
 * GitHub connected. Returns the values for PAGES' {placeholders}.
 */
export async function seedEveryPage(page: Page, baseURL: string, label: string): Promise<Record<string, string>> {
  await signUp(page, label);
  const laptop = await desktopDevice(page, baseURL, "Laptop");
  await laptop.put("projects", "devpulse", { name: "DevPulse", color: "blue" });
  await laptop.sync();
  const desktop = await desktopDevice(page, baseURL, "Desktop");
  await desktop.sync();
  await laptop.put("projects", "devpulse", { name: "DevPulse (laptop)", color: "blue" });
  await laptop.sync();
  await desktop.put("projects", "devpulse", { name: "DevPulse (desktop)", color: "green" });
  const { openConflicts } = await desktop.sync();
  expect(openConflicts).toHaveLength(1);
  await connectGitHubNow(page);
  return { conflictId: openConflicts[0]!, recordId: "devpulse" };
}

/** What to visit for `entry`, its placeholders filled. */
export function pathOf(entry: (typeof PAGES)[number], seeded: Record<string, string> = {}): string {
  return entry.path.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(seeded[key]!));
}
