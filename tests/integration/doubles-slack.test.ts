import { createHash, randomBytes } from "node:crypto";
import { LogLevel, type OauthV2AccessResponse, WebClient, WebClientEvent } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SLACK_DOUBLE_DEFAULTS, type SlackDouble, startSlackDouble } from "../doubles/slack/server";

/**
 * The Slack double is only useful if the real @slack/web-api can drive it: these tests
 * run the SDK (slackApiUrl pointed at the double) through OAuth v2, profile status, DND,
 * revoke and rate limits, and use plain fetch for the browser side of OAuth.
 */
const ANA = SLACK_DOUBLE_DEFAULTS.users[0].id;
const BRUNO = SLACK_DOUBLE_DEFAULTS.users[1].id;
const CALLBACK = SLACK_DOUBLE_DEFAULTS.redirectUris[0];
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined };

let double: SlackDouble;

/** Fast retries: the SDK's default policy waits minutes between attempts. */
const client = (token?: string, extra: ConstructorParameters<typeof WebClient>[1] = {}) =>
  new WebClient(token, { slackApiUrl: double.apiUrl, logger: silent, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 }, ...extra });

const platformError = async (promise: Promise<unknown>) => {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { code?: string; data?: { error?: string; needed?: string } } | null;
  return { code: error?.code, error: error?.data?.error, needed: error?.data?.needed };
};

/** The browser side: authorize → (consent click) → redirect with ?code. */
async function authorizeInBrowser(query: Record<string, string>, click: "approve" | "cancel" | null = null, base = double.url): Promise<URL> {
  const url = new URL(`${base}/oauth/v2/authorize`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  let response = await fetch(url, { redirect: "manual" });
  if (click) {
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Authorize DevPulse Cloud");
    expect(page).toContain("users.profile:write");
    const requestId = /name="authorization_request" value="([^"]+)"/.exec(page)![1]!;
    response = await fetch(`${base}/oauth/v2/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: click }) });
  }
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location")!);
}

beforeAll(async () => {
  double = await startSlackDouble();
});
afterAll(() => double.close());
afterEach(() => double.reset());

describe("Slack double: OAuth v2", () => {
  const userScope = "users.profile:read,users.profile:write,dnd:read,dnd:write";

  it("shows a consent page, redirects with code and state, and oauth.v2.access returns a user token", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const back = await authorizeInBrowser({ client_id: double.oauth.clientId, user_scope: userScope, redirect_uri: CALLBACK, state: "st-1", code_challenge: challenge, code_challenge_method: "S256" }, "approve");
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get("state")).toBe("st-1");
    const code = back.searchParams.get("code")!;

    const exchange = { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, code, redirect_uri: CALLBACK, code_verifier: verifier };
    const result = (await client().apiCall("oauth.v2.access", exchange)) as OauthV2AccessResponse;
    expect(result).toMatchObject({ ok: true, app_id: "A07DEVPULSE", team: { id: "T07SANDBOX" }, authed_user: { id: ANA, token_type: "user", scope: userScope } });
    expect(result.authed_user!.access_token).toMatch(/^xoxp-/);
    expect(result.authed_user!.refresh_token).toBeUndefined();
    // single use
    expect(await platformError(client().oauth.v2.access(exchange))).toMatchObject({ error: "invalid_code" });

    const me = await client(result.authed_user!.access_token).auth.test();
    expect(me).toMatchObject({ ok: true, user_id: ANA, user: "ana", team_id: "T07SANDBOX" });
    expect(me.response_metadata?.scopes).toEqual(userScope.split(","));
  });

  it("cancel redirects with access_denied; bad client credentials and a wrong verifier are refused", async () => {
    const denied = await authorizeInBrowser({ client_id: double.oauth.clientId, user_scope: userScope, redirect_uri: CALLBACK, state: "st-2" }, "cancel");
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", state: "st-2" });
    const unknown = await fetch(`${double.url}/oauth/v2/authorize?client_id=nope&user_scope=dnd:read`);
    expect(unknown.status).toBe(400);
    const elsewhere = await fetch(`${double.url}/oauth/v2/authorize?client_id=${double.oauth.clientId}&redirect_uri=https://evil.test/cb`);
    expect(await elsewhere.text()).toContain("bad_redirect_uri");

    double.approveNext();
    const challenge = createHash("sha256").update("x".repeat(43)).digest("base64url");
    const back = await authorizeInBrowser({ client_id: double.oauth.clientId, user_scope: userScope, redirect_uri: CALLBACK, code_challenge: challenge });
    const code = back.searchParams.get("code")!;
    expect(await platformError(client().oauth.v2.access({ client_id: double.oauth.clientId, client_secret: "wrong", code }))).toMatchObject({ error: "bad_client_secret" });
    // @slack/web-api 8.2's OAuthV2AccessArguments lack code_verifier: apiCall sends it anyway.
    expect(await platformError(client().apiCall("oauth.v2.access", { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, code, redirect_uri: CALLBACK, code_verifier: "y".repeat(43) }))).toMatchObject({
      error: "invalid_code",
    });
  });

  it("with token rotation: expiring tokens, a single-use refresh token, token_expired after expiry", async () => {
    const rotating = await startSlackDouble({ tokenRotation: { accessTokenTtlSeconds: 60 }, autoApprove: true });
    try {
      const back = await authorizeInBrowser({ client_id: rotating.oauth.clientId, user_scope: userScope, redirect_uri: CALLBACK }, null, rotating.url);
      const web = new WebClient(undefined, { slackApiUrl: rotating.apiUrl, logger: silent });
      const credentials = { client_id: rotating.oauth.clientId, client_secret: rotating.oauth.clientSecret };
      const first = await web.oauth.v2.access({ ...credentials, code: back.searchParams.get("code")!, redirect_uri: CALLBACK });
      expect(first.authed_user).toMatchObject({ id: ANA, token_type: "user", expires_in: 60 });
      expect(first.authed_user!.access_token).toMatch(/^xoxe\.xoxp-1-/);
      expect(first.authed_user!.refresh_token).toMatch(/^xoxe-1-/);

      rotating.advanceTime(61_000);
      const expired = new WebClient(first.authed_user!.access_token, { slackApiUrl: rotating.apiUrl, logger: silent });
      expect(await platformError(expired.users.profile.get({}))).toMatchObject({ code: "slack_webapi_platform_error", error: "token_expired" });

      const refreshed = await web.oauth.v2.access({ ...credentials, grant_type: "refresh_token", refresh_token: first.authed_user!.refresh_token! });
      expect(refreshed).toMatchObject({ ok: true, token_type: "user", expires_in: 60, user_id: ANA });
      expect(refreshed.refresh_token).not.toBe(first.authed_user!.refresh_token);
      const again = new WebClient(refreshed.access_token, { slackApiUrl: rotating.apiUrl, logger: silent });
      expect((await again.auth.test()).user_id).toBe(ANA);
      expect(await platformError(web.oauth.v2.access({ ...credentials, grant_type: "refresh_token", refresh_token: first.authed_user!.refresh_token! }))).toMatchObject({ error: "invalid_refresh_token" });
    } finally {
      await rotating.close();
    }
  });
});

describe("Slack double: status and DND through @slack/web-api", () => {
  it("sets and reads the status (form-encoded profile JSON), records the write, and expires it on Slack's clock", async () => {
    const { accessToken } = double.createToken({ userId: ANA });
    const web = client(accessToken);
    const expiration = Math.floor(double.now() / 1000) + 25 * 60;
    const set = await web.users.profile.set({ profile: { status_text: "In focus mode", status_emoji: ":dart:", status_expiration: expiration } });
    expect(set.profile).toMatchObject({ status_text: "In focus mode", status_emoji: ":dart:", status_expiration: expiration });
    expect(double.requests.at(-1)).toMatchObject({ method: "POST", path: "/api/users.profile.set", status: 200, authorization: "bearer" });

    const got = await web.users.profile.get({});
    expect(got.profile).toMatchObject({ status_text: "In focus mode", status_emoji: ":dart:", real_name: "Ana Lima", display_name: "ana" });
    expect(double.profileWrites(ANA).at(-1)).toMatchObject({ source: "api", status_text: "In focus mode", status_expiration: expiration });
    expect(double.status(BRUNO)).toEqual({ status_text: "", status_emoji: "", status_expiration: 0 });

    double.advanceTime(25 * 60_000 + 1000);
    expect((await web.users.profile.get({})).profile).toMatchObject({ status_text: "", status_emoji: "", status_expiration: 0 });
    double.advanceTime(-(25 * 60_000 + 1000));
  });

  it("accepts a JSON body with the token in the header, refuses bad emoji syntax and missing scopes", async () => {
    const { accessToken } = double.createToken({ userId: BRUNO });
    const raw = await fetch(`${double.apiUrl}users.profile.set`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ profile: { status_text: "Debugging" } }),
    });
    expect(await raw.json()).toMatchObject({ ok: true, profile: { status_text: "Debugging", status_emoji: ":speech_balloon:" } });
    expect(await platformError(client(accessToken).users.profile.set({ profile: { status_text: "x", status_emoji: "🎯" } }))).toMatchObject({ error: "profile_status_set_failed_not_emoji_syntax" });

    const readOnly = double.createToken({ userId: BRUNO, scopes: ["users.profile:read"] }).accessToken;
    expect(await platformError(client(readOnly).dnd.setSnooze({ num_minutes: 5 }))).toMatchObject({ error: "missing_scope", needed: "dnd:write" });
    expect(await platformError(client().auth.test())).toMatchObject({ error: "not_authed" });
    expect(await platformError(client("xoxp-nope").auth.test())).toMatchObject({ error: "invalid_auth" });
  });

  it("snoozes and ends the snooze; dnd.info reports it; the snooze ends on its own", async () => {
    const web = client(double.createToken({ userId: ANA }).accessToken);
    const set = await web.dnd.setSnooze({ num_minutes: 25 });
    expect(set).toMatchObject({ ok: true, snooze_enabled: true, snooze_remaining: 1500 });
    expect(await web.dnd.info()).toMatchObject({ snooze_enabled: true, snooze_endtime: set.snooze_endtime });
    expect(await web.dnd.endSnooze()).toMatchObject({ ok: true, snooze_enabled: false });
    expect(await platformError(web.dnd.endSnooze())).toMatchObject({ error: "snooze_not_active" });
    expect(double.dndChanges(ANA).map((c) => c.action)).toEqual(["setSnooze", "endSnooze"]);

    await web.dnd.setSnooze({ num_minutes: 1 });
    double.advanceTime(61_000);
    expect(double.snooze(ANA)).toBeNull();
    expect(await web.dnd.info()).toMatchObject({ snooze_enabled: false });
    double.advanceTime(-61_000);
  });

  it("a status set by hand shows in users.profile.get and in the history as source user", async () => {
    const web = client(double.createToken({ userId: BRUNO }).accessToken);
    double.setStatusByHand(BRUNO, { status_text: "Lunch", status_emoji: ":taco:" });
    expect((await web.users.profile.get({})).profile).toMatchObject({ status_text: "Lunch", status_emoji: ":taco:" });
    expect(double.profileWrites(BRUNO).at(-1)).toMatchObject({ source: "user", status_text: "Lunch" });
  });

  it("the person's own page shows their status and sets one by hand through a form", async () => {
    double.signInAs(ANA);
    const saved = await fetch(`${double.url}/profile/status`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "status_emoji=%3Apalm_tree%3A&status_text=On+holiday" });
    expect(saved.status).toBe(302);
    expect(double.status(ANA)).toMatchObject({ status_text: "On holiday", status_emoji: ":palm_tree:" });
    expect(double.profileWrites(ANA).at(-1)).toMatchObject({ source: "user", status_text: "On holiday" });
    const page = await (await fetch(double.url)).text();
    expect(page).toContain('data-testid="slack-status-text">On holiday<');
    await fetch(`${double.url}/profile/status`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "status_text=" });
    expect(double.status(ANA).status_text).toBe("");
    expect(await (await fetch(double.url)).text()).toContain("No status set.");
  });

  it("auth.revoke, then every call answers token_revoked", async () => {
    const { accessToken } = double.createToken({ userId: ANA });
    const web = client(accessToken);
    expect(await web.auth.revoke({ test: true })).toMatchObject({ ok: true, revoked: false });
    expect(await web.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect(await platformError(web.users.profile.get({}))).toMatchObject({ error: "token_revoked" });
    const other = double.createToken({ userId: ANA }).accessToken;
    expect(double.revokeUser(ANA)).toBeGreaterThan(0);
    expect(await platformError(client(other).auth.test())).toMatchObject({ error: "token_revoked" });
  });
});

describe("Slack double: rate limits", () => {
  it("a 429 with Retry-After is waited out by the SDK's retry, or rejected with rejectRateLimitedCalls", async () => {
    const web = client(double.createToken({ userId: BRUNO }).accessToken);
    const waits: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => waits.push(seconds));
    double.rateLimitNext("users.profile.set", 1);
    const started = Date.now();
    await web.users.profile.set({ profile: { status_text: "Coding", status_emoji: ":computer:" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(waits).toEqual([1]);
    expect(double.requests.filter((r) => r.path === "/api/users.profile.set").map((r) => r.status)).toEqual([429, 200]);

    double.rateLimitNext("users.profile.set", 7);
    const owner = client(double.createToken({ userId: BRUNO }).accessToken, { rejectRateLimitedCalls: true });
    await expect(owner.users.profile.set({ profile: { status_text: "x" } })).rejects.toMatchObject({ code: "slack_webapi_rate_limited_error", retryAfter: 7 });
  });

  it("enforces the per-user profile write limit with ratelimited + Retry-After", async () => {
    double.setProfileWritesPerMinute(2);
    try {
      const web = client(double.createToken({ userId: ANA }).accessToken, { rejectRateLimitedCalls: true });
      await web.users.profile.set({ profile: { status_text: "one" } });
      await web.users.profile.set({ profile: { status_text: "two" } });
      const error = (await web.users.profile.set({ profile: { status_text: "three" } }).catch((e: unknown) => e)) as { retryAfter?: number };
      expect(error.retryAfter).toBeGreaterThanOrEqual(59);
      expect(double.status(ANA).status_text).toBe("two");
      // another user has their own budget
      await client(double.createToken({ userId: BRUNO }).accessToken).users.profile.set({ profile: { status_text: "free" } });
      double.advanceTime(60_001);
      await web.users.profile.set({ profile: { status_text: "three" } });
      expect(double.status(ANA).status_text).toBe("three");
      double.advanceTime(-60_001);
    } finally {
      double.setProfileWritesPerMinute(10);
    }
  });
});
