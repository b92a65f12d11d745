import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { oauthStates } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { exchangeCode, redirectUriFor } from "~/server/integrations/oauth";
import { providers, registeredProviderIds, type RegisteredProviderId } from "~/server/integrations/registry";
import { getJobRunner } from "~/server/jobs/send";
import { startDiscordDouble } from "../doubles/discord/server";
import { startGoogleDouble } from "../doubles/google/server";
import { startMicrosoftDouble } from "../doubles/microsoft/server";
import { startSlackDouble } from "../doubles/slack/server";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { consentAtProvider, followCallback, startGitDoubles, startIntegrationRoutes } from "../support/integrations";
import { measured } from "./support/figures";

/**
 * The OAuth refusal matrix: for every provider a person connects, through its double and our real
 * callback route, each way of misusing an authorization is refused and changes nothing:
 * - an invented state, another account's state, an expired state, and the same callback twice
 *   (the code would be exchanged twice: the state is single-use, so it never reaches the provider);
 * - the provider itself refuses a code exchanged a second time (checked at its token endpoint, as the
 *   app would send it), and an authorization request whose redirect URI is a near match of ours.
 * A provider added to the registry without a double here fails the trial.
 */

type Double = { appEnv: Record<string, string>; setAutoApprove: (value: boolean) => void; close: () => Promise<void> };
const doubles = {} as Record<RegisteredProviderId, Double>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;

beforeAll(async () => {
  app = await startIntegrationRoutes();
  const callback = (provider: string) => `${app.url}/api/integrations/${provider}/callback`;
  const started = { ...(await startGitDoubles(app.url)), slack: await startSlackDouble({ autoApprove: true }), discord: await startDiscordDouble({ autoApprove: true }), google: await startGoogleDouble({ autoApprove: true }), microsoft: await startMicrosoftDouble({ autoApprove: true }) };
  for (const provider of ["slack", "discord", "google", "microsoft"] as const) started[provider].addRedirectUri(callback(provider));
  Object.assign(doubles, started);
});
afterAll(async () => Promise.all([app?.close(), ...Object.values(doubles).map((double) => double.close())]));
useEnv(() => Object.assign({ APP_URL: app.url }, ...Object.values(doubles).map((double) => double.appEnv)));

const NEAR_MATCHES = ["another port", "a longer host", "credentials before the host", "a sibling path"];

/** Near matches of our redirect URI that a provider must refuse, in NEAR_MATCHES' order. */
function nearMatches(redirectUri: string): string[] {
  const exact = new URL(redirectUri);
  const otherPort = new URL(redirectUri);
  otherPort.port = String(Number(exact.port) + 1);
  return [otherPort.href, `${exact.protocol}//${exact.hostname}.nip.io:${exact.port}${exact.pathname}`, `${exact.protocol}//${exact.host}@attacker.example${exact.pathname}`, `${redirectUri}x`];
}

type Person = Awaited<ReturnType<typeof signedUpUser>>;

/** Our callback followed with `who`'s session: the error it redirects with (null when connected), and what it connected. */
async function callbackAs(who: Person, callbackUrl: string) {
  const { callback } = await followCallback(who.user, callbackUrl);
  return { error: callback.searchParams.get("error"), connected: callback.searchParams.get("connected") };
}

describe("OAuth refusal matrix", () => {
  it("every provider refuses invented, foreign, expired and replayed states, a second code exchange and near-match redirect URIs", { timeout: 5 * 60_000 }, async () => {
    expect(Object.keys(doubles).sort(), "a provider without a double in this trial").toEqual([...registeredProviderIds].sort());
    const findings: string[] = [];
    const refused = (what: string, outcome: { error: string | null }, pattern: RegExp) => {
      if (!outcome.error || !pattern.test(outcome.error)) findings.push(`${what}: ${outcome.error ?? "not refused"}`);
    };
    let cases = 0;
    const figure = await measured({ area: "Every boundary", check: "OAuth refusal matrix: every provider's connect flow through its double and our callback route", trials: "misuses" }, async () => {
      for (const provider of registeredProviderIds) {
        const person = (who: string) => signedUpUser(`oauth-${provider}-${who}`);
        const [alice, bob, carol] = await Promise.all([person("a"), person("b"), person("c")]);
        const redirectUri = redirectUriFor(getEnv(), provider);

        // An invented state.
        cases++;
        refused(`${provider}: invented state`, await callbackAs(alice, `${app.url}/api/integrations/${provider}/callback?${new URLSearchParams({ state: randomBytes(32).toString("base64url"), code: "invented" })}`), /unknown or was already used/);

        // Alice's authorization, followed with Bob's session: refused, and Alice's state is left for her.
        const { authorizationUrl, callbackUrl } = await consentAtProvider(alice.user, provider);
        if (authorizationUrl.searchParams.get("redirect_uri") !== redirectUri) findings.push(`${provider}: the authorization request's redirect URI is ${authorizationUrl.searchParams.get("redirect_uri")}`);
        cases++;
        refused(`${provider}: another account's state`, await callbackAs(bob, callbackUrl), /started by another account/);
        const aliceConnects = await callbackAs(alice, callbackUrl);
        if (aliceConnects.connected !== provider) findings.push(`${provider}: Alice could not connect after Bob's attempt (${aliceConnects.error})`);
        await getJobRunner().idle();

        // The same callback again: the state is used up, so the code is never sent to the provider a second time.
        cases++;
        refused(`${provider}: the callback replayed`, await callbackAs(alice, callbackUrl), /unknown or was already used/);
        // And the provider refuses that code if it were sent again (as the app's own exchange sends it).
        cases++;
        const configuration = providers[provider].configuration(getEnv(), redirectUri);
        const code = new URL(callbackUrl).searchParams.get("code") ?? "";
        if (!configuration.ok) findings.push(`${provider}: not configured (${configuration.missing.join(", ")})`);
        else {
          const second = await exchangeCode(provider, configuration.oauth, { code, redirectUri, codeVerifier: null }).then(
            () => "exchanged",
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
          if (second === "exchanged") findings.push(`${provider}: the provider exchanged a used code again`);
        }

        // An expired state of Carol's own.
        cases++;
        const expiring = await consentAtProvider(carol.user, provider);
        await (await getDb()).update(oauthStates).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthStates.userId, carol.user.id));
        refused(`${provider}: expired state`, await callbackAs(carol, expiring.callbackUrl), /expired/);

        // Near matches of our redirect URI, sent to the provider's authorization endpoint: no code may go there.
        for (const nearMatch of nearMatches(redirectUri)) {
          cases++;
          const tampered = new URL(authorizationUrl);
          tampered.searchParams.set("redirect_uri", nearMatch);
          const answer = await fetch(tampered, { redirect: "manual" });
          const location = answer.headers.get("location");
          const to = location ? new URL(location, tampered) : null;
          // A code may only ever go to our exact redirect URI.
          if (to?.searchParams.has("code") && `${to.origin}${to.pathname}` !== redirectUri) findings.push(`${provider}: a code was sent to the near match ${nearMatch} (${answer.status} to ${to.href.slice(0, 120)})`);
        }

        // Nothing of Bob's or Carol's was connected; Alice has the one connection she made.
        for (const [who, expected] of [[alice, "connected"], [bob, "available"], [carol, "available"]] as const) {
          const state = (await who.caller.integrations.status({ provider })).state;
          if (state !== expected && !(expected === "connected" && state === "error")) findings.push(`${provider}: ${who.user.email} is ${state}, expected ${expected}`);
        }
      }
      return {
        tried: cases,
        lost: findings.length,
        detail: `${registeredProviderIds.length} providers (${registeredProviderIds.join(", ")}), each: an invented state, another account's state (and its owner could still connect), the callback replayed (the state is single-use, so the code never reaches the provider twice), the used code sent to the provider's token endpoint again, an expired state, and ${NEAR_MATCHES.length} near matches of our redirect URI at its authorization endpoint (${NEAR_MATCHES.join(", ")}); findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
