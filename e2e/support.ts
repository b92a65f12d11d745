import { randomInt, randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { createDevPulseClient, createMemoryStore, createSyncClient, type CollectionSchemas } from "../src/client";

/** Screenshots kept from every run. */
export const ARTIFACTS = "e2e/artifacts";
export const PASSWORD = "a long and unusual passphrase";
export const SYNC_PASSPHRASE = "the sync passphrase of the e2e user";

/**
 * The e2e clients connect from 127.0.0.1, which the server trusts as a proxy by default
 * (TRUST_PROXY), so it takes X-Forwarded-For as sent (src/server/http/client-address.ts). Each test user stands for a different visitor, from their own address,
 * as a proxy would report it: the suite's many sign-ups and device grants do not add
 * up against the per-address rate limits (198.18.0.0/15 is a range for tests).
 */
export function visitorAddress(): string {
  return `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** Signs a new user up in the browser and returns their email; the page ends on the dashboard. */
export async function signUp(page: Page, label = "e2e"): Promise<string> {
  const email = `${label}-${randomUUID()}@example.test`;
  await page.setExtraHTTPHeaders({ "x-forwarded-for": visitorAddress() });
  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}

/** The API as the signed-in browser (its session cookie): the same user acting in another tab. */
export async function browserApi(page: Page, baseURL: string) {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  return createDevPulseClient({ url: baseURL, fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie } }) });
}

/** The API as a signed-out desktop app, from its own address (so per-address limits never add up across tests). */
export function anonymousClient(baseURL: string) {
  const address = visitorAddress();
  return createDevPulseClient({ url: baseURL, fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), "x-forwarded-for": address } }) });
}

/** A device of the signed-in user through the device grant, approved with the browser's session: its token and id. */
export async function authorizedDevice(page: Page, baseURL: string, name: string): Promise<{ token: string; deviceId: string }> {
  const asBrowser = await browserApi(page, baseURL);
  const anonymous = anonymousClient(baseURL);
  const started = await anonymous.devices.startAuthorization.mutate({ deviceName: name });
  await asBrowser.devices.approveAuthorization.mutate({ userCode: started.userCode });
  const { token, deviceId } = await anonymous.devices.pollAuthorization.mutate({ deviceCode: started.deviceCode });
  return { token, deviceId };
}

/**
 * A desktop device of the signed-in user: device grant approved with the browser's session, then an unlocked sync client.
 * `schemas`: the collection schemas its app version declares (none: every collection at schema 1, an older app).
 */
export async function desktopDevice(page: Page, baseURL: string, name: string, { schemas }: { schemas?: CollectionSchemas } = {}) {
  const { token, deviceId } = await authorizedDevice(page, baseURL, name);
  const sync = createSyncClient({ client: createDevPulseClient({ url: baseURL, token }), deviceId, store: createMemoryStore(), schemas });
  await sync.unlock(SYNC_PASSPHRASE);
  return sync;
}

export async function unlockInBrowser(page: Page) {
  await page.getByLabel("Sync passphrase").fill(SYNC_PASSPHRASE);
  await page.getByRole("button", { name: "Unlock" }).click();
}

/** The GitHub card on /integrations. */
export function gitHubCard(page: Page) {
  return page.locator("div.rounded-xl").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
}

/**
 * On /integrations: agree, connect, and answer the sandbox GitHub's consent page. When approving, waits for the
 * first sync, or (`waitForSync: false`, for tests that need only the connection) until the card shows it connected.
 */
export async function connectGitHub(page: Page, answer: "Authorize" | "Cancel" = "Authorize", { waitForSync = true } = {}) {
  const card = gitHubCard(page);
  await card.getByRole("checkbox", { name: /I agree that DevPulse reads/ }).check();
  await card.getByRole("button", { name: "Connect GitHub" }).click();
  await page.getByRole("button", { name: answer }).click();
  if (answer === "Authorize" && waitForSync) await expect(card.getByText(/Last synced/)).toBeVisible({ timeout: 30_000 });
  else if (answer === "Authorize") await expect(card.getByRole("button", { name: "Disconnect" })).toBeVisible();
  return card;
}

/** The demo token the sandbox serves /api/metrics to (scripts/sandbox.ts). */
export const SANDBOX_METRICS_TOKEN = "sandbox-metrics-token";

/**
 * The sandbox's Prometheus text, read into a lookup: `value(name, labels)` sums every series of
 * `name` whose labels include `labels` (0 for a series not there yet), so a spec compares two
 * scrapes without caring how the others are labelled.
 */
export async function scrapeMetrics(baseURL: string) {
  const response = await fetch(`${baseURL}/api/metrics`, { headers: { authorization: `Bearer ${SANDBOX_METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  const series = (await response.text()).split("\n").flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) return [];
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key!, value!]));
    return [{ name: match[1]!, labels, value: Number(match[3]) }];
  });
  return {
    value: (name: string, labels: Record<string, string> = {}) =>
      series.filter((entry) => entry.name === name && Object.entries(labels).every(([key, value]) => entry.labels[key] === value)).reduce((sum, entry) => sum + entry.value, 0),
  };
}

/** A mail one of the sandbox's email providers accepted, as its stand-in lists it. */
export type AcceptedMail = { from: string; to: string[]; subject: string; text: string | null; html: string | null; headers: Record<string, string> };

/** Where the sandbox's email providers show the mail they accepted: the Resend stand-in (primary) and the SMTP double's mailbox (secondary). */
function mailboxUrl(provider: "resend" | "smtp"): string {
  return provider === "resend" ? process.env.E2E_RESEND_URL! : process.env.E2E_SMTP_INBOX_URL!;
}

/** The mail to `address` that a provider of the sandbox accepted, newest first. */
export async function mailAcceptedBy(provider: "resend" | "smtp", address: string): Promise<AcceptedMail[]> {
  const response = await fetch(`${mailboxUrl(provider)}/_double/messages?to=${encodeURIComponent(address)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as AcceptedMail[];
}

/** The Resend stand-in's outage switch (its page's form): its send API answers 503 while on. */
export async function setResendOutage(on: boolean): Promise<void> {
  const response = await fetch(`${mailboxUrl("resend")}/_double/outage`, { method: "POST", body: new URLSearchParams({ on: on ? "1" : "0" }), redirect: "manual" });
  expect(response.status).toBe(303);
}
