import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { verify } from "@octokit/webhooks-methods";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type GitHubDouble, githubFaults, startGitHubDouble } from "../doubles/github/server";
import { startWebhookReceiver } from "../doubles/shared/receiver";

/**
 * The GitHub double is only useful if it speaks GitHub's wire format: these tests drive
 * it with the real @octokit/rest (throttling + retry plugins, as the app composes them)
 * and with plain fetch for the OAuth web flow, and check webhook payloads against the
 * recorded ones in @octokit/webhooks-examples.
 */
const GitHub = Octokit.plugin(throttling, retry);
type Handler = (retryAfter: number, options: unknown, octokit: unknown, retryCount: number) => boolean;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let double: GitHubDouble;
let token: string;

function client(auth: string | undefined, handlers: { onRateLimit?: Handler; onSecondaryRateLimit?: Handler } = {}) {
  return new GitHub({
    auth,
    baseUrl: double.apiUrl,
    userAgent: "devpulse-doubles-test",
    log: silent,
    throttle: { onRateLimit: handlers.onRateLimit ?? (() => false), onSecondaryRateLimit: handlers.onSecondaryRateLimit ?? (() => false), retryAfterBaseValue: 5 },
    retry: { retryAfterBaseValue: 5 },
  });
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

beforeAll(async () => {
  double = await startGitHubDouble();
  token = double.createToken().accessToken;
});
afterAll(() => double.close());
afterEach(() => double.reset());

describe("GitHub double: REST API through @octokit/rest", () => {
  it("serves the authenticated user", async () => {
    const { data, headers } = await client(token).rest.users.getAuthenticated();
    expect(data).toMatchObject({ login: "octo-dev", id: 5_830_021, name: "Octo Dev", type: "User", html_url: `${double.url}/octo-dev` });
    expect(headers["x-oauth-scopes"]).toBe("repo, read:user, user:email");
    expect(headers["x-ratelimit-limit"]).toBe("5000");
    expect(headers["x-ratelimit-resource"]).toBe("core");
  });

  it("walks every page of /user/repos through the Link header", async () => {
    const octokit = client(token);
    const first = await octokit.rest.repos.listForAuthenticatedUser({ per_page: 2 });
    expect(first.headers.link).toBe(
      `<${double.apiUrl}/user/repos?per_page=2&page=2>; rel="next", <${double.apiUrl}/user/repos?per_page=2&page=2>; rel="last"`,
    );
    const repos = await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 2 });
    expect(repos.map((r) => r.full_name)).toEqual(["acme-corp/design-system", "acme-corp/payments-api", "octo-dev/devpulse-desktop", "octo-dev/dotfiles"]);
    const payments = repos.find((r) => r.name === "payments-api")!;
    expect(payments).toMatchObject({ private: true, owner: { login: "acme-corp", type: "Organization" }, default_branch: "main", permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } });
    expect(payments.pushed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(double.requests.filter((r) => r.path === "/api/v3/user/repos").map((r) => r.query.page ?? "1")).toEqual(["1", "1", "2"]);
  });

  it("hides private repositories from a token without the repo scope", async () => {
    const publicOnly = double.createToken({ scopes: ["read:user"] }).accessToken;
    const repos = await client(publicOnly).paginate(client(publicOnly).rest.repos.listForAuthenticatedUser, { per_page: 100 });
    expect(repos.map((r) => r.full_name).sort()).toEqual(["acme-corp/design-system", "octo-dev/dotfiles"]);
    await expect(client(publicOnly).rest.repos.get({ owner: "octo-dev", repo: "devpulse-desktop" })).rejects.toMatchObject({ status: 404 });
  });

  it("lists commits since a date, newest first, without stats; one commit adds stats and files", async () => {
    const octokit = client(token);
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const expected = double.repos().find((r) => r.fullName === "acme-corp/payments-api")!.commits.filter((c) => c.date.toISOString() >= since);
    expect(expected.length).toBeGreaterThan(5);
    const commits = await octokit.paginate(octokit.rest.repos.listCommits, { owner: "acme-corp", repo: "payments-api", since, per_page: 5 });
    expect(commits.map((c) => c.sha)).toEqual(expected.map((c) => c.sha));
    const [newest] = commits;
    expect(newest).toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/), commit: { message: expect.any(String), author: { name: expect.any(String), email: expect.any(String), date: expect.any(String) } } });
    expect(newest).not.toHaveProperty("stats");
    expect(newest).not.toHaveProperty("files");

    const mine = await octokit.paginate(octokit.rest.repos.listCommits, { owner: "acme-corp", repo: "payments-api", author: "octo-dev", per_page: 100 });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((c) => c.author?.login === "octo-dev")).toBe(true);

    const { data: detail } = await octokit.rest.repos.getCommit({ owner: "acme-corp", repo: "payments-api", ref: newest!.sha });
    const stored = expected[0]!;
    expect(detail.stats).toEqual({ additions: stored.additions, deletions: stored.deletions, total: stored.additions + stored.deletions });
    expect(detail.files?.map((f) => ({ filename: f.filename, additions: f.additions, deletions: f.deletions, changes: f.changes, status: f.status }))).toEqual(
      stored.files.map((f) => ({ filename: f.filename, additions: f.additions, deletions: f.deletions, changes: f.additions + f.deletions, status: f.status })),
    );
  });

  it("answers 304 to a conditional request with the current ETag, without spending the rate limit", async () => {
    const octokit = client(token);
    const first = await octokit.rest.repos.listCommits({ owner: "octo-dev", repo: "dotfiles", per_page: 100 });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const remaining = double.rateLimit().remaining;
    const error = await octokit.rest.repos.listCommits({ owner: "octo-dev", repo: "dotfiles", per_page: 100, headers: { "if-none-match": etag } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "HttpError", status: 304 });
    expect((error as { response: { headers: Record<string, string> } }).response.headers["x-ratelimit-remaining"]).toBe(String(remaining));
    expect(double.rateLimit().remaining).toBe(remaining);
    expect(double.requests.at(-1)).toMatchObject({ status: 304, ifNoneMatch: etag, authorization: "token" });

    double.addCommits("octo-dev/dotfiles", [{ message: "Add fish config", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@example.com", additions: 12, deletions: 0 }]);
    const changed = await octokit.rest.repos.listCommits({ owner: "octo-dev", repo: "dotfiles", per_page: 100, headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.data[0]?.commit.message).toBe("Add fish config");
  });

  it("answers conditional requests on every page of the repository list, as on any GET", async () => {
    const octokit = client(token);
    const pages = [1, 2].map((page) => ({ per_page: 2, sort: "pushed" as const, page }));
    const first = await Promise.all(pages.map((params) => octokit.rest.repos.listForAuthenticatedUser(params)));
    const remaining = double.rateLimit().remaining;
    for (const [index, params] of pages.entries()) {
      const error = await octokit.rest.repos.listForAuthenticatedUser({ ...params, headers: { "if-none-match": first[index]!.headers.etag! } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 304 });
    }
    expect(double.rateLimit().remaining).toBe(remaining);
    expect(double.requests.slice(-2).map((request) => [request.query.page, request.status])).toEqual([["1", 304], ["2", 304]]);
  });

  it("rejects a bad token with GitHub's 401 body", async () => {
    const error = await client("gho_not-a-real-token").rest.users.getAuthenticated().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, response: { data: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" } } });
    expect((error as Error).message).toContain("Bad credentials");
  });

  it("answers 404 to creating a hook on a repository without admin permission", async () => {
    const error = await client(token)
      .rest.repos.createWebhook({ owner: "acme-corp", repo: "payments-api", name: "web", events: ["push"], config: { url: "http://127.0.0.1:9/hook", content_type: "json" } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, response: { data: { message: "Not Found" } } });
  });
});

describe("GitHub double: rate limits and faults seen by the throttling and retry plugins", () => {
  it("fires onSecondaryRateLimit on a 403 with retry-after, and retries when asked", async () => {
    const onSecondaryRateLimit = vi.fn<Handler>(() => true);
    double.failNext({ path: "/user", ...githubFaults.secondaryRateLimit(1) });
    const { data } = await client(token, { onSecondaryRateLimit }).rest.users.getAuthenticated();
    expect(data.login).toBe("octo-dev");
    expect(onSecondaryRateLimit).toHaveBeenCalledTimes(1);
    expect(onSecondaryRateLimit.mock.calls[0]![0]).toBe(1);
    expect(double.requests.map((r) => [r.status, r.fault ?? false])).toEqual([
      [403, true],
      [200, false],
    ]);
  });

  it("fires onSecondaryRateLimit on a 429 too", async () => {
    const onSecondaryRateLimit = vi.fn<Handler>(() => false);
    double.failNext({ path: "/user", ...githubFaults.secondaryRateLimit(2, 429) });
    // retries: 0, or the retry plugin (which does retry 429s) would try again and succeed.
    await expect(client(token, { onSecondaryRateLimit }).rest.users.getAuthenticated({ request: { retries: 0 } })).rejects.toMatchObject({ status: 429 });
    expect(onSecondaryRateLimit).toHaveBeenCalledWith(2, expect.anything(), expect.anything(), 0);
  });

  it("fires onRateLimit when the primary limit is exhausted (403, remaining 0, reset)", async () => {
    const onRateLimit = vi.fn<Handler>(() => false);
    const resetAt = new Date(Date.now() + 30_000);
    double.setRateLimit({ remaining: 0, resetAt });
    const error = await client(token, { onRateLimit }).rest.repos.listForAuthenticatedUser().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, response: { data: { message: "API rate limit exceeded for user ID 5830021." } } });
    const headers = (error as { response: { headers: Record<string, string> } }).response.headers;
    expect(headers["x-ratelimit-remaining"]).toBe("0");
    expect(headers["x-ratelimit-reset"]).toBe(String(Math.floor(resetAt.getTime() / 1000)));
    expect(onRateLimit).toHaveBeenCalledTimes(1);
    expect(onRateLimit.mock.calls[0]![0]).toBeGreaterThanOrEqual(29);
  });

  it("counts down the primary limit and restores it when the window resets", async () => {
    double.setRateLimit({ remaining: 2 });
    const octokit = client(token);
    expect((await octokit.rest.users.getAuthenticated()).headers["x-ratelimit-remaining"]).toBe("1");
    expect((await octokit.rest.users.getAuthenticated()).headers["x-ratelimit-remaining"]).toBe("0");
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
    double.advanceTime(3_601_000);
    expect((await octokit.rest.users.getAuthenticated()).headers["x-ratelimit-remaining"]).toBe("4999");
  });

  it("lets the retry plugin retry a 502 and a dropped connection", async () => {
    double.failNext({ path: /\/commits$/, ...githubFaults.serverError(502), times: 2 });
    const { data } = await client(token).rest.repos.listCommits({ owner: "octo-dev", repo: "dotfiles" });
    expect(data.length).toBeGreaterThan(0);
    expect(double.requests.map((r) => r.status)).toEqual([502, 502, 200]);

    double.reset();
    double.failNext({ method: "GET", path: "/user", ...githubFaults.networkError() });
    const { data: user } = await client(token).rest.users.getAuthenticated();
    expect(user.login).toBe("octo-dev");
    expect(double.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  it("gives up with GitHub's 5xx body when the retries run out", async () => {
    double.failNext({ path: "/user", status: 503, times: 10 });
    const error = await client(token).rest.users.getAuthenticated({ request: { retries: 1 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, response: { data: { message: "Service Unavailable" } } });
    expect(double.pendingFaults()).toBe(8);
  });

  it("never logs a credential", async () => {
    await client(token).rest.users.getAuthenticated();
    expect(JSON.stringify(double.requests)).not.toContain(token);
  });
});

describe("GitHub double: OAuth web flow", () => {
  const callback = "http://localhost:3000/api/integrations/github/callback";
  const authorizeUrl = (params: Record<string, string>) => `${double.url}/login/oauth/authorize?${new URLSearchParams({ client_id: double.oauth.clientId, redirect_uri: callback, ...params })}`;
  const exchange = (body: Record<string, string>, accept = "application/json") =>
    fetch(`${double.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, ...body }),
    });

  it("shows an accessible consent page labelled as a sandbox, then redirects with a code or access_denied", async () => {
    const page = await fetch(authorizeUrl({ state: "s-1", scope: "repo read:user" }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>Authorize DevPulse Cloud</title>");
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("Local sandbox of GitHub");
    expect(html).toContain("<code>repo</code>");
    expect(html).toContain("<code>read:user</code>");
    expect(html).toMatch(/<button[^>]*value="approve"[^>]*>Authorize<\/button>/);
    expect(html).toMatch(/<button[^>]*value="cancel"[^>]*>Cancel<\/button>/);
    const requestId = /name="authorization_request" value="([^"]+)"/.exec(html)![1]!;

    const approved = await fetch(`${double.url}/login/oauth/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: "approve" }) });
    expect(approved.status).toBe(302);
    const location = new URL(approved.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(callback);
    expect(location.searchParams.get("code")).toMatch(/^[0-9a-f]{20}$/);
    expect(location.searchParams.get("state")).toBe("s-1");

    const again = await fetch(authorizeUrl({ state: "s-2" }));
    const secondId = /name="authorization_request" value="([^"]+)"/.exec(await again.text())![1]!;
    const cancelled = await fetch(`${double.url}/login/oauth/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: secondId, decision: "cancel" }) });
    const denied = new URL(cancelled.headers.get("location")!);
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({ error: "access_denied", error_description: "The user has denied your application access.", state: "s-2" });
  });

  it("exchanges an approved code with its PKCE verifier for a token octokit can use; codes are single use", async () => {
    const { verifier, challenge } = pkce();
    double.approveNext();
    const authorized = await fetch(authorizeUrl({ state: "xyz", scope: "repo read:user", code_challenge: challenge, code_challenge_method: "S256" }), { redirect: "manual" });
    expect(authorized.status).toBe(302);
    const code = new URL(authorized.headers.get("location")!).searchParams.get("code")!;

    const issuedBefore = double.issuedTokens();
    const granted = (await (await exchange({ code, redirect_uri: callback, code_verifier: verifier })).json()) as Record<string, string>;
    expect(granted).toEqual({ access_token: expect.stringMatching(/^gho_[A-Za-z0-9]{36}$/), token_type: "bearer", scope: "repo,read:user" });
    expect(double.issuedTokens()).toBe(issuedBefore + 1);
    const { data } = await client(granted.access_token).rest.users.getAuthenticated();
    expect(data.login).toBe("octo-dev");

    const reused = await (await exchange({ code, redirect_uri: callback, code_verifier: verifier })).json();
    expect(reused).toMatchObject({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
  });

  it("refuses a wrong PKCE verifier, wrong client credentials and an expired code with GitHub's HTTP 200 errors", async () => {
    const { challenge } = pkce();
    double.approveNext(2);
    const code = new URL((await fetch(authorizeUrl({ code_challenge: challenge, code_challenge_method: "S256" }), { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    const wrong = await exchange({ code, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toEqual({
      error: "bad_verification_code",
      error_description: "The code passed is incorrect or expired.",
      error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
    });
    expect(await (await exchange({ code, client_secret: "nope" })).json()).toMatchObject({ error: "incorrect_client_credentials" });

    const late = new URL((await fetch(authorizeUrl({}), { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    double.advanceTime(11 * 60_000);
    expect(await (await exchange({ code: late })).json()).toMatchObject({ error: "bad_verification_code" });
  });

  it("sends a redirect_uri that is not registered to the registered callback with redirect_uri_mismatch", async () => {
    const response = await fetch(authorizeUrl({ redirect_uri: "https://evil.example/cb", state: "s" }), { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(callback);
    expect(location.searchParams.get("error")).toBe("redirect_uri_mismatch");
    expect(location.searchParams.get("error_description")).toBe("The redirect_uri MUST match the registered callback URL for this application.");
  });

  it("accepts a subdirectory of the callback or a subdomain of its host, as GitHub does, and nothing else", async () => {
    const outcome = async (redirectUri: string, approve = false) => {
      if (approve) double.approveNext();
      const location = new URL((await fetch(authorizeUrl({ redirect_uri: redirectUri, state: "s" }), { redirect: "manual" })).headers.get("location")!);
      return location.searchParams.get("error") ?? `${location.origin}${location.pathname}`;
    };
    expect(await outcome(`${callback}/deeper/still`, true)).toBe(`${callback}/deeper/still`);
    expect(await outcome("http://oauth.localhost:3000/api/integrations/github/callback", true)).toBe("http://oauth.localhost:3000/api/integrations/github/callback");
    for (const refused of [`${callback}x`, "http://localhost:3000/api/integrations/github", "http://localhost:3001/api/integrations/github/callback", "https://localhost:3000/api/integrations/github/callback", "http://localhost.evil.example:3000/api/integrations/github/callback", "http://user@localhost:3000/api/integrations/github/callback"]) {
      expect(await outcome(refused), refused).toBe("redirect_uri_mismatch");
    }
  });

  it("answers form-encoded without Accept: application/json, as GitHub does", async () => {
    double.approveNext();
    const code = new URL((await fetch(authorizeUrl({ scope: "repo" }), { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    const response = await exchange({ code }, "*/*");
    expect(response.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
    const form = new URLSearchParams(await response.text());
    expect(form.get("token_type")).toBe("bearer");
    expect(form.get("scope")).toBe("repo");
    expect(form.get("access_token")).toMatch(/^gho_/);
  });

  it("revokes a grant through DELETE /applications/{client_id}/grant with Basic client auth", async () => {
    const victim = double.createToken().accessToken;
    const basic = `basic ${Buffer.from(`${double.oauth.clientId}:${double.oauth.clientSecret}`).toString("base64")}`;
    const wrong = await client(undefined)
      .rest.apps.deleteAuthorization({ client_id: double.oauth.clientId, access_token: victim, headers: { authorization: `basic ${Buffer.from(`${double.oauth.clientId}:wrong`).toString("base64")}` } })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 404 });
    const revoked = await client(undefined).rest.apps.deleteAuthorization({ client_id: double.oauth.clientId, access_token: victim, headers: { authorization: basic } });
    expect(revoked.status).toBe(204);
    await expect(client(victim).rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401, response: { data: { message: "Bad credentials" } } });
    // A grant is the user's authorization of the app: every token of it stops working.
    await expect(client(token).rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401 });
    token = double.createToken().accessToken;
    expect(double.requests.find((r) => r.path.endsWith("/grant"))?.authorization).toBe("basic");
  });
});

describe("GitHub double: expiring user tokens", () => {
  let expiring: GitHubDouble;
  beforeAll(async () => {
    expiring = await startGitHubDouble({ expiringTokens: true, autoApprove: true });
  });
  afterAll(() => expiring.close());

  it("issues expires_in + refresh_token, refreshes once, and answers 401 after expiry", async () => {
    const redirectUri = expiring.oauth.callbackUrls[0]!;
    const auth = await fetch(`${expiring.url}/login/oauth/authorize?${new URLSearchParams({ client_id: expiring.oauth.clientId, redirect_uri: redirectUri })}`, { redirect: "manual" });
    const code = new URL(auth.headers.get("location")!).searchParams.get("code")!;
    const post = (body: Record<string, string>) =>
      fetch(`${expiring.url}/login/oauth/access_token`, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/json" },
        body: JSON.stringify({ client_id: expiring.oauth.clientId, client_secret: expiring.oauth.clientSecret, ...body }),
      }).then((r) => r.json() as Promise<Record<string, string | number>>);
    const first = await post({ code, redirect_uri: redirectUri });
    expect(first).toMatchObject({ token_type: "bearer", expires_in: 28_800, refresh_token: expect.stringMatching(/^ghr_/), refresh_token_expires_in: 15_897_600 });

    const refreshed = await post({ grant_type: "refresh_token", refresh_token: String(first.refresh_token) });
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(await post({ grant_type: "refresh_token", refresh_token: String(first.refresh_token) })).toMatchObject({ error: "bad_refresh_token" });

    const user = (token: string) => fetch(`${expiring.apiUrl}/user`, { headers: { authorization: `Bearer ${token}` } });
    expect((await user(String(refreshed.access_token))).status).toBe(200);
    expiring.advanceTime(28_801_000);
    const expired = await user(String(refreshed.access_token));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
  });
});

describe("GitHub double: repository webhooks", () => {
  const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  const pushDefinition = examples.find((d) => d.name === "push") as WebhookDefinition<"push">;
  const pushExample = pushDefinition.examples.find((e) => e.commits.length > 0)! as unknown as Record<string, unknown>;
  const secret = "a-webhook-secret-of-the-app";

  it("numbers hooks uniquely across every double in the process, as GitHub does across GitHub", async () => {
    // The app keys its webhooks by (provider, hook id) in the one database all test files share.
    const other = await startGitHubDouble();
    try {
      const hook = { owner: "octo-dev", repo: "devpulse-desktop", name: "web", events: ["push"], config: { url: "http://127.0.0.1:9/api/webhooks/github", content_type: "json" } };
      const first = await client(token).rest.repos.createWebhook(hook);
      const throttle = { onRateLimit: () => false, onSecondaryRateLimit: () => false };
      const second = await new GitHub({ auth: other.createToken().accessToken, baseUrl: other.apiUrl, log: silent, throttle }).rest.repos.createWebhook(hook);
      await client(token).rest.repos.deleteWebhook({ owner: hook.owner, repo: hook.repo, hook_id: first.data.id }); // the tests below expect no other hook
      expect(second.data.id).not.toBe(first.data.id);
    } finally {
      await other.close();
    }
  });

  it("creates a hook through octokit, delivers a signed push shaped like GitHub's, redelivers and deletes", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const octokit = client(token);
      const created = await octokit.rest.repos.createWebhook({
        owner: "octo-dev",
        repo: "devpulse-desktop",
        name: "web",
        active: true,
        events: ["push"],
        config: { url: `${receiver.url}/api/webhooks/github`, content_type: "json", secret, insecure_ssl: "0" },
      });
      expect(created.status).toBe(201);
      expect(created.data).toMatchObject({ type: "Repository", name: "web", active: true, events: ["push"], config: { url: `${receiver.url}/api/webhooks/github`, content_type: "json", insecure_ssl: "0", secret: "********" } });
      const hooks = await octokit.rest.repos.listWebhooks({ owner: "octo-dev", repo: "devpulse-desktop" });
      expect(hooks.data.map((h) => h.id)).toEqual([created.data.id]);

      const pushed = await double.deliverPush("octo-dev/devpulse-desktop", [
        { message: "Add focus mode\n\nTracks deep work blocks.", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@example.com", additions: 40, deletions: 3, files: [{ filename: "src/focus.ts", status: "added", additions: 40 }] },
      ]);
      expect(pushed.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
      expect(pushed.deliveries).toHaveLength(1);
      expect(pushed.deliveries[0]).toMatchObject({ status: 202, responseBody: "ok", error: null });
      const [received] = receiver.received;
      expect(received!.headers).toMatchObject({
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": pushed.deliveryId,
        "x-github-hook-id": String(created.data.id),
        "x-github-hook-installation-target-type": "repository",
        "user-agent": expect.stringMatching(/^GitHub-Hookshot\//),
      });
      expect(await verify(secret, received!.body, String(received!.headers["x-hub-signature-256"]))).toBe(true);
      expect(await verify("another-secret", received!.body, String(received!.headers["x-hub-signature-256"]))).toBe(false);

      const payload = JSON.parse(received!.body) as Record<string, unknown> & { commits: Array<Record<string, unknown>>; repository: Record<string, unknown>; head_commit: Record<string, unknown> };
      const exampleKeys = Object.keys(pushExample).filter((k) => k !== "installation"); // only GitHub App deliveries carry installation
      expect(Object.keys(payload)).toEqual(expect.arrayContaining(exampleKeys));
      const exampleCommit = (pushExample.commits as Array<Record<string, unknown>>)[0]!;
      expect(Object.keys(payload.commits[0]!).sort()).toEqual(Object.keys(exampleCommit).sort());
      expect(Object.keys(payload.repository)).toEqual(expect.arrayContaining(Object.keys(pushExample.repository as object)));
      expect(payload).toMatchObject({
        ref: "refs/heads/main",
        after: pushed.commits[0]!.sha,
        pusher: { name: "octo-dev", email: "octo-dev@example.com" },
        sender: { login: "octo-dev" },
        repository: { full_name: "octo-dev/devpulse-desktop", private: true, owner: { login: "octo-dev" } },
        head_commit: { id: pushed.commits[0]!.sha, message: "Add focus mode\n\nTracks deep work blocks.", author: { name: "Octo Dev", email: "octo-dev@example.com", username: "octo-dev" }, added: ["src/focus.ts"], removed: [], modified: [] },
      });
      expect(payload.before).toMatch(/^[0-9a-f]{40}$/);
      expect(payload.head_commit.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);

      // The API sees the pushed commit too.
      const listed = await octokit.rest.repos.listCommits({ owner: "octo-dev", repo: "devpulse-desktop", per_page: 1 });
      expect(listed.data[0]!.sha).toBe(pushed.commits[0]!.sha);

      const again = await double.redeliver(pushed.deliveryId!);
      expect(again).toMatchObject({ deliveryId: pushed.deliveryId, redelivery: true, status: 202 });
      expect(receiver.received[1]!.headers["x-github-delivery"]).toBe(pushed.deliveryId);
      expect(receiver.received[1]!.body).toBe(received!.body);

      const deleted = await octokit.rest.repos.deleteWebhook({ owner: "octo-dev", repo: "devpulse-desktop", hook_id: created.data.id });
      expect(deleted.status).toBe(204);
      const none = await double.deliverPush("octo-dev/devpulse-desktop", [{ message: "After the hook is gone", authorName: "Octo Dev", authorEmail: "octo-dev@example.com", additions: 1, deletions: 1 }]);
      expect(none).toMatchObject({ deliveryId: null, deliveries: [] });
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it("records an unreachable receiver as a failed delivery", async () => {
    const octokit = client(token);
    const { data: hook } = await octokit.rest.repos.createWebhook({ owner: "octo-dev", repo: "dotfiles", config: { url: "http://127.0.0.1:9/unreachable", content_type: "json" } });
    const pushed = await double.deliverPush("octo-dev/dotfiles", [{ message: "x", authorName: "Octo Dev", authorEmail: "octo-dev@example.com", additions: 1, deletions: 0 }]);
    expect(pushed.deliveries[0]).toMatchObject({ status: null, error: expect.stringContaining("fetch failed") });
    expect(pushed.deliveries[0]!.request.headers).not.toHaveProperty("x-hub-signature-256"); // no secret, no signature
    await octokit.rest.repos.deleteWebhook({ owner: "octo-dev", repo: "dotfiles", hook_id: hook.id });
  });
});
