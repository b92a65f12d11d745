import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { integrations, integrationTokens } from "~/server/db/schema";
import { type Env, parseEnv } from "~/server/env";
import type { ChatSession, OAuthClientSettings } from "~/server/integrations/provider";
import { circuitState, RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { slack } from "~/server/integrations/slack/provider";
import { readTokens } from "~/server/integrations/tokens";
import { SLACK_DOUBLE_DEFAULTS, type SlackDouble, startSlackDouble } from "../doubles/slack/server";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { providerErrorOf } from "../support/provider-errors";

// The Slack provider through the real @slack/web-api against the Slack double: OAuth v2
// (with and without token rotation), profile status, Do Not Disturb, and every failure
// Slack answers with, translated into the ProviderErrors the status jobs act on.
const ANA = SLACK_DOUBLE_DEFAULTS.users[0].id;
const BRUNO = SLACK_DOUBLE_DEFAULTS.users[1].id;
const CALLBACK = SLACK_DOUBLE_DEFAULTS.redirectUris[0];
const MINUTE = 60_000;

let double: SlackDouble;
let rotating: SlackDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;

beforeAll(async () => {
  [double, rotating, app] = await Promise.all([startSlackDouble({ autoApprove: true }), startSlackDouble({ autoApprove: true, tokenRotation: true }), startIntegrationRoutes()]);
  double.addRedirectUri(`${app.url}/api/integrations/slack/callback`);
});
afterAll(async () => {
  resetCircuits();
  await Promise.all([double.close(), rotating.close(), app.close()]);
});
afterEach(() => {
  double.reset();
  rotating.reset();
  resetCircuits();
});
useEnv(() => ({ APP_URL: app.url, ...double.appEnv }));

const envFor = (target: SlackDouble): Env =>
  parseEnv({ ...process.env, ...target.appEnv });

function oauthFor(env: Env): OAuthClientSettings {
  const configuration = slack.configuration(env, CALLBACK);
  if (!configuration.ok) throw new Error("Slack should be configured");
  return configuration.oauth;
}

/** The browser side, as our integrations.connect builds it: authorize (auto-approved by the double) → ?code. */
async function authorizationCode(env: Env, options: { pkce?: boolean } = {}) {
  const oauth = oauthFor(env);
  const verifier = randomBytes(48).toString("base64url");
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set("client_id", oauth.clientId);
  url.searchParams.set("redirect_uri", CALLBACK);
  url.searchParams.set(oauth.scopeParam ?? "scope", oauth.scopes.map((entry) => entry.scope).join(oauth.scopeSeparator));
  url.searchParams.set("state", "state-1");
  if (options.pkce ?? true) {
    url.searchParams.set("code_challenge", createHash("sha256").update(verifier).digest("base64url"));
    url.searchParams.set("code_challenge_method", "S256");
  }
  const answer = await fetch(url, { redirect: "manual" });
  expect(answer.status, await answer.clone().text()).toBe(302);
  const code = new URL(answer.headers.get("location")!).searchParams.get("code");
  expect(code).toBeTruthy();
  return { code: code!, codeVerifier: (options.pkce ?? true) ? verifier : null, redirectUri: CALLBACK, callbackParams: new URLSearchParams() };
}

const sessionFor = (accessToken: string, userId: string = ANA): ChatSession => ({
  userId: "devpulse-user",
  accessToken,
  account: { id: userId, login: null, name: null, emails: [] },
  state: {},
});

const apiCalls = (target: SlackDouble, method: string) => target.requests.filter((request) => request.path === `/api/${method}`);

describe("Slack configuration", () => {
  it("lists the variables to set when the app is not configured", () => {
    const env = envFor(double);
    expect(slack.configuration({ ...env, SLACK_CLIENT_ID: undefined, SLACK_CLIENT_SECRET: undefined }, CALLBACK)).toEqual({ ok: false, missing: ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"] });
    expect(slack.configuration({ ...env, SLACK_CLIENT_SECRET: undefined }, CALLBACK)).toEqual({ ok: false, missing: ["SLACK_CLIENT_SECRET"] });
  });

  it("asks for the four user-token scopes, each with a reason, as user_scope with PKCE, at SLACK_BASE_URL", () => {
    const env = parseEnv({ ...process.env, SLACK_CLIENT_ID: "id", SLACK_CLIENT_SECRET: "secret", SLACK_BASE_URL: `${double.url}/` });
    const oauth = oauthFor(env);
    expect(oauth).toMatchObject({
      clientId: "id",
      clientSecret: "secret",
      authorizeUrl: `${double.url}/oauth/v2/authorize`,
      tokenUrl: `${double.url}/api/oauth.v2.access`,
      scopeParam: "user_scope",
      scopeSeparator: ",",
      pkce: true,
    });
    expect(oauth.scopes.map((entry) => entry.scope)).toEqual(["users.profile:read", "users.profile:write", "dnd:read", "dnd:write"]);
    expect(oauth.scopes.every((entry) => entry.why.length > 30)).toBe(true);
    expect(slack.webUrl(env)).toBe(double.url);
  });
});

describe("Slack OAuth v2", () => {
  it("exchanges a code (with PKCE) for a user token that does not expire without rotation, and reads the account", async () => {
    const env = envFor(double);
    const granted = await slack.exchangeCode(env, oauthFor(env), await authorizationCode(env));
    expect(granted).toMatchObject({ refreshToken: null, expiresAt: null, scopes: ["users.profile:read", "users.profile:write", "dnd:read", "dnd:write"] });
    expect(granted.accessToken).toMatch(/^xoxp-/);
    expect(await slack.fetchAccount(env, granted.accessToken)).toEqual({ accountId: ANA, login: "ana", displayName: "Ana Lima", emails: [] });
  });

  it("with token rotation: an expiring token and a refresh token; a refresh gives a new pair and the spent refresh token is refused", async () => {
    const env = envFor(rotating);
    const oauth = oauthFor(env);
    const before = Date.now();
    const granted = await slack.exchangeCode(env, oauth, await authorizationCode(env));
    expect(granted.accessToken).toMatch(/^xoxe\.xoxp-1-/);
    expect(granted.refreshToken).toMatch(/^xoxe-1-/);
    expect(granted.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 43_200_000);
    expect(granted.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 43_200_000);

    const refreshed = await slack.refreshTokens(env, oauth, granted.refreshToken!);
    expect(refreshed.accessToken).not.toBe(granted.accessToken);
    expect(refreshed.refreshToken).toMatch(/^xoxe-1-/);
    expect(refreshed.refreshToken).not.toBe(granted.refreshToken);
    expect(refreshed.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 43_000_000);
    expect(refreshed.scopes).toEqual(["users.profile:read", "users.profile:write", "dnd:read", "dnd:write"]);
    expect((await slack.fetchAccount(env, refreshed.accessToken)).accountId).toBe(ANA);

    const refused = await providerErrorOf(slack.refreshTokens(env, oauth, granted.refreshToken!));
    expect(refused).toMatchObject({ provider: "slack", kind: "unauthorized" });
    expect(refused.message).toBe("Slack refused to renew the authorization (invalid_refresh_token).");
    expect(refused.message).not.toContain(granted.refreshToken!);
  });

  it("refuses a spent code, a wrong PKCE verifier and wrong app credentials, with messages for people", async () => {
    const env = envFor(double);
    const oauth = oauthFor(env);
    const grant = await authorizationCode(env);
    await slack.exchangeCode(env, oauth, grant);
    const spent = await providerErrorOf(slack.exchangeCode(env, oauth, grant));
    expect(spent).toMatchObject({ kind: "unauthorized", message: "Slack refused the authorization (invalid_code). Start connecting again." });

    const other = await authorizationCode(env);
    expect(await providerErrorOf(slack.exchangeCode(env, oauth, { ...other, codeVerifier: "x".repeat(64) }))).toMatchObject({ kind: "unauthorized" });

    const wrongSecret = await providerErrorOf(slack.exchangeCode(env, { ...oauth, clientSecret: "not-the-secret" }, await authorizationCode(env)));
    expect(wrongSecret.kind).toBe("forbidden");
    expect(wrongSecret.message).toContain("SLACK_CLIENT_SECRET");
    expect(wrongSecret.message).not.toContain("not-the-secret");
  });
});

describe("Slack status", () => {
  it("writes a status with its expiration, reads it back, and clears it", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA });
    const expiresAt = new Date(Date.now() + 25 * MINUTE);
    const expiration = Math.ceil(expiresAt.getTime() / 1000);

    expect(await slack.writeStatus(env, sessionFor(accessToken), { text: "In focus mode", emoji: ":dart:", expiresAt }, { displayName: "Ana" })).toEqual({});
    expect(double.status(ANA)).toEqual({ status_text: "In focus mode", status_emoji: ":dart:", status_expiration: expiration });
    expect(double.profileWrites(ANA).at(-1)).toMatchObject({ source: "api", status_text: "In focus mode", status_emoji: ":dart:", status_expiration: expiration });
    expect(await slack.readStatus(env, sessionFor(accessToken))).toEqual({ text: "In focus mode", emoji: ":dart:", expiresAt: new Date(expiration * 1000) });
    expect(double.status(BRUNO)).toEqual({ status_text: "", status_emoji: "", status_expiration: 0 });

    await slack.writeStatus(env, sessionFor(accessToken), { text: "Coding", emoji: ":computer:", expiresAt: null }, { displayName: "Ana" });
    expect(double.status(ANA)).toEqual({ status_text: "Coding", status_emoji: ":computer:", status_expiration: 0 });
    expect(await slack.readStatus(env, sessionFor(accessToken))).toEqual({ text: "Coding", emoji: ":computer:", expiresAt: null });

    await slack.writeStatus(env, sessionFor(accessToken), null, { displayName: "Ana" });
    expect(double.status(ANA)).toEqual({ status_text: "", status_emoji: "", status_expiration: 0 });
    expect(double.profileWrites(ANA).filter((write) => write.source === "api").length).toBeGreaterThanOrEqual(3);
    expect(await slack.readStatus(env, sessionFor(accessToken))).toBeNull();
  });

  it("reads a status the person set by hand, and an expired one as none (Slack's own clear)", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: BRUNO });
    double.setStatusByHand(BRUNO, { status_text: "Lunch", status_emoji: ":taco:" });
    expect(await slack.readStatus(env, sessionFor(accessToken, BRUNO))).toEqual({ text: "Lunch", emoji: ":taco:", expiresAt: null });

    await slack.writeStatus(env, sessionFor(accessToken, BRUNO), { text: "Debugging", emoji: ":bug:", expiresAt: new Date(Date.now() + MINUTE) }, { displayName: "Bruno" });
    double.advanceTime(2 * MINUTE);
    try {
      expect(await slack.readStatus(env, sessionFor(accessToken, BRUNO))).toBeNull();
    } finally {
      double.advanceTime(-2 * MINUTE);
    }
    double.setStatusByHand(BRUNO);
  });

  it("sends Slack's :name: emoji only (a Unicode emoji becomes Slack's default) and at most 100 characters of text", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: BRUNO });
    const long = `${"a".repeat(98)}🎯 and more`;
    await slack.writeStatus(env, sessionFor(accessToken, BRUNO), { text: long, emoji: "🎯", expiresAt: null }, { displayName: "Bruno" });
    const shown = double.status(BRUNO);
    expect(shown.status_emoji).toBe(":speech_balloon:");
    expect(shown.status_text).toBe(`${"a".repeat(98)}🎯`);
    await slack.writeStatus(env, sessionFor(accessToken, BRUNO), null, { displayName: "Bruno" });
  });
});

describe("Slack Do Not Disturb", () => {
  it("snoozes until a time (whole minutes, rounded up), ends it, and ending again is no error", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA });
    const changesBefore = double.dndChanges(ANA).length;
    const until = new Date(Date.now() + 24 * MINUTE + 30_000);

    await slack.setDoNotDisturb(env, sessionFor(accessToken), until);
    const endtime = double.snooze(ANA)!;
    expect(endtime * 1000).toBeGreaterThanOrEqual(until.getTime() - 1000);
    expect(endtime * 1000).toBeLessThanOrEqual(until.getTime() + MINUTE);
    expect(double.dndChanges(ANA).slice(changesBefore)).toMatchObject([{ action: "setSnooze", source: "api" }]);

    await slack.setDoNotDisturb(env, sessionFor(accessToken), null);
    expect(double.snooze(ANA)).toBeNull();
    await slack.setDoNotDisturb(env, sessionFor(accessToken), null);
    await slack.setDoNotDisturb(env, sessionFor(accessToken), new Date(Date.now() - MINUTE));
    expect(double.dndChanges(ANA).slice(changesBefore).map((change) => change.action)).toEqual(["setSnooze", "endSnooze"]);
  });
});

describe("Slack failures", () => {
  it("a 429 with Retry-After is rate_limited with the time to retry at, and the SDK does not retry it", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA });
    double.rateLimitNext("users.profile.set", 7);
    const before = Date.now();
    const error = await providerErrorOf(slack.writeStatus(env, sessionFor(accessToken), { text: "Coding", emoji: ":computer:", expiresAt: null }, { displayName: "Ana" }));
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 7000);
    expect(error.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 7000);
    expect(apiCalls(double, "users.profile.set").map((request) => request.status)).toEqual([429]);
    expect(circuitState("slack").failures).toBe(0);
  });

  it("Slack's own per-user write limit is rate_limited too", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: BRUNO });
    double.setProfileWritesPerMinute(1);
    try {
      await slack.writeStatus(env, sessionFor(accessToken, BRUNO), { text: "one", emoji: ":one:", expiresAt: null }, { displayName: "Bruno" });
      const error = await providerErrorOf(slack.writeStatus(env, sessionFor(accessToken, BRUNO), { text: "two", emoji: ":two:", expiresAt: null }, { displayName: "Bruno" }));
      expect(error.kind).toBe("rate_limited");
      expect(error.retryAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(double.status(BRUNO).status_text).toBe("one");
    } finally {
      double.setProfileWritesPerMinute(10);
      double.setStatusByHand(BRUNO);
    }
  });

  it("a revoked, expired or unknown token is unauthorized, and no message carries the token", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: BRUNO });
    double.revokeUser(BRUNO);
    for (const call of [
      () => slack.readStatus(env, sessionFor(accessToken, BRUNO)),
      () => slack.writeStatus(env, sessionFor(accessToken, BRUNO), null, { displayName: "Bruno" }),
      () => slack.setDoNotDisturb(env, sessionFor(accessToken, BRUNO), new Date(Date.now() + 5 * MINUTE)),
      () => slack.fetchAccount(env, accessToken),
    ]) {
      const error = await providerErrorOf(call());
      expect(error.kind).toBe("unauthorized");
      expect(error.message).toBe("Slack no longer accepts the saved authorization (token_revoked). Reconnect Slack to continue.");
      expect(error.message).not.toContain(accessToken);
    }
    expect(await providerErrorOf(slack.readStatus(env, sessionFor("xoxp-not-a-token")))).toMatchObject({ kind: "unauthorized", message: expect.stringContaining("invalid_auth") });

    const expiring = rotating.createToken({ userId: ANA, expiresInSeconds: 60 });
    rotating.expireToken(expiring.accessToken);
    expect(await providerErrorOf(slack.readStatus(envFor(rotating), sessionFor(expiring.accessToken)))).toMatchObject({ kind: "unauthorized", message: expect.stringContaining("token_expired") });
  });

  it("a token without the DND scope is forbidden, naming the missing permission", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA, scopes: ["users.profile:read", "users.profile:write"] });
    const error = await providerErrorOf(slack.setDoNotDisturb(env, sessionFor(accessToken), new Date(Date.now() + 5 * MINUTE)));
    expect(error).toMatchObject({ kind: "forbidden", message: "Slack refused: the connection lacks the dnd:write permission. Reconnect Slack to grant it." });
  });

  it("5xx answers and network failures are unavailable, not retried by the SDK, and open the circuit when they persist", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA });
    double.failNext({ path: "users.profile.get", status: 503 });
    expect(await providerErrorOf(slack.readStatus(env, sessionFor(accessToken)))).toMatchObject({ kind: "unavailable", message: "Slack answered 503; it may be having an outage." });
    expect(apiCalls(double, "users.profile.get").map((request) => request.status)).toEqual([503]);

    double.failNext({ path: "users.profile.get", networkError: true });
    expect(await providerErrorOf(slack.readStatus(env, sessionFor(accessToken)))).toMatchObject({ kind: "unavailable", message: "Slack could not be reached." });

    double.failNext({ path: "users.profile.get", status: 500, times: RESILIENCE.breakerThreshold });
    for (let attempt = 2; attempt < RESILIENCE.breakerThreshold; attempt++) await providerErrorOf(slack.readStatus(env, sessionFor(accessToken)));
    expect(circuitState("slack").open).toBe(true);
    const paused = await providerErrorOf(slack.readStatus(env, sessionFor(accessToken)));
    expect(paused.kind).toBe("unavailable");
    expect(paused.retryAt).toBeInstanceOf(Date);
  });

  it("revoke: auth.revoke, after which Slack refuses the token; revoking a dead token again is no error", async () => {
    const env = envFor(double);
    const { accessToken } = double.createToken({ userId: ANA });
    const active = double.activeTokens(ANA);
    await slack.revoke(env, { accessToken, refreshToken: null });
    expect(double.activeTokens(ANA)).toBe(active - 1);
    expect(apiCalls(double, "auth.revoke")).toHaveLength(1);
    await slack.revoke(env, { accessToken, refreshToken: null });
    expect(await providerErrorOf(slack.readStatus(env, sessionFor(accessToken)))).toMatchObject({ kind: "unauthorized" });
  });

  it("lists no channels: Slack shows the status on the person's own profile", async () => {
    expect(await slack.listChannels(envFor(double), sessionFor("unused"))).toEqual([]);
  });
});

describe("connecting Slack through the routes", () => {
  it("integrations.connect → Slack's consent → our callback: connected as the Slack user, the token sealed", async () => {
    const { user, caller } = await signedUpUser("slack-connect");
    const connected = await connectThroughProvider(user, "slack");
    const url = connected.authorizationUrl;
    expect(url.origin + url.pathname).toBe(`${double.url}/oauth/v2/authorize`);
    expect(url.searchParams.get("user_scope")).toBe("users.profile:read,users.profile:write,dnd:read,dnd:write");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(connected.status).toBe(303);
    expect(Object.fromEntries(connected.callback.searchParams)).toEqual({ connected: "slack", account: "ana" });

    const db = await getDb();
    const [row] = await db.select().from(integrations).where(and(eq(integrations.userId, user.id), eq(integrations.provider, "slack")));
    expect(row).toMatchObject({ status: "connected", accountId: ANA, accountLogin: "ana", accountName: "Ana Lima" });
    expect(row!.scopes).toEqual(["users.profile:read", "users.profile:write", "dnd:read", "dnd:write"]);

    const tokens = await readTokens(db, { userId: user.id, provider: "slack" });
    expect(tokens!.accessToken).toMatch(/^xoxp-/);
    const [stored] = await db.select().from(integrationTokens).where(eq(integrationTokens.integrationId, row!.id));
    expect(stored!.accessToken).not.toContain(tokens!.accessToken);
    expect(JSON.stringify(stored)).not.toContain(tokens!.accessToken);
    expect((await slack.fetchAccount(envFor(double), tokens!.accessToken)).accountId).toBe(ANA);

    const listed = (await caller.integrations.list()).find((entry) => entry.provider === "slack")!;
    expect(listed).toMatchObject({ state: "connected", kind: "chat", account: { login: "ana", name: "Ana Lima" } });
  });
});
