import { expect } from "vitest";
import { GET as callbackGET } from "~/app/api/integrations/[provider]/callback/route";
import { POST as webhookPOST } from "~/app/api/webhooks/[provider]/route";
import type { PublicUser } from "~/server/auth/accounts";
import type { RegisteredProviderId } from "~/server/integrations/registry";
import { getJobRunner } from "~/server/jobs/send";
import { startGitHubDouble } from "../doubles/github/server";
import { startGitLabDouble } from "../doubles/gitlab/server";
import { startAppServer } from "./app-server";
import { callerFor, sessionCookieFor, visitorIp } from "./callers";

/** The app's OAuth callback and webhook routes behind a real port, so provider doubles can reach them. */
export function startIntegrationRoutes() {
  return startAppServer([
    { method: "GET", path: /^\/api\/integrations\/(?<provider>[a-z]+)\/callback$/, handler: (request, context) => callbackGET(request, context as never) },
    { method: "POST", path: /^\/api\/webhooks\/(?<provider>[a-z-]+)$/, handler: (request, context) => webhookPOST(request, context as never) },
  ]);
}

/** The GitHub and GitLab doubles with their demo data, consenting at once, each with the app's callback at `appUrl` registered. */
export async function startGitDoubles(appUrl: string) {
  const [github, gitlab] = await Promise.all([startGitHubDouble({ autoApprove: true, demoAnchor: new Date() }), startGitLabDouble({ autoApprove: true, demoAnchor: new Date() })]);
  github.addCallbackUrl(`${appUrl}/api/integrations/github/callback`);
  gitlab.addRedirectUri(`${appUrl}/api/integrations/gitlab/callback`);
  return { github, gitlab };
}

/** integrations.connect, then the provider's consent page (auto-approved by the double): where the provider sends the browser back. */
export async function consentAtProvider(user: PublicUser, provider: RegisteredProviderId) {
  const caller = await callerFor(user);
  const { authorizationUrl } = await caller.integrations.connect({ provider, consent: true });
  const consent = await fetch(authorizationUrl, { redirect: "manual" });
  expect(consent.status, await consent.clone().text()).toBe(302);
  return { authorizationUrl: new URL(authorizationUrl), callbackUrl: consent.headers.get("location")! };
}

/** Our OAuth callback as the person's browser reaches it: their session cookie, redirects not followed. */
export async function followCallback(user: PublicUser, callbackUrl: string) {
  // From the person's own address, as a proxy reports it: a test run's many connections do not add up against the per-address limit.
  const callback = await fetch(callbackUrl, { redirect: "manual", headers: { cookie: await sessionCookieFor(user), "x-forwarded-for": visitorIp() } });
  return { callback: new URL(callback.headers.get("location") ?? "http://invalid/"), status: callback.status };
}

/**
 * Connects a provider the way a person does: integrations.connect, the provider's
 * consent page (auto-approved by the double), the redirect to our callback with the
 * session cookie; then waits for the first sync job (and what is due within `dueWithinMs`,
 * see the runner's idle()). Returns the final redirect.
 */
export async function connectThroughProvider(user: PublicUser, provider: RegisteredProviderId, options: { dueWithinMs?: number } = {}) {
  const { authorizationUrl, callbackUrl } = await consentAtProvider(user, provider);
  const followed = await followCallback(user, callbackUrl);
  await getJobRunner().idle(options);
  return { authorizationUrl, ...followed };
}
