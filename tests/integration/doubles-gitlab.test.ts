import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GitLabDouble, gitlabFaults, startGitLabDouble } from "../doubles/gitlab/server";
import { startWebhookReceiver } from "../doubles/shared/receiver";

/**
 * The GitLab double speaks GitLab's REST v4 and OAuth wire format; these tests drive it
 * with plain fetch, as the app does: pagination headers, weak ETags and 304, 429 with
 * Retry-After, OAuth with PKCE, refresh and revoke, the three kinds of 401, push hooks.
 */
let double: GitLabDouble;
let token: string;

const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token: bearer = token, headers, ...rest } = init;
  return fetch(`${double.apiUrl}${path}`, { ...rest, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(headers as Record<string, string> | undefined) } });
};
const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

beforeAll(async () => {
  double = await startGitLabDouble();
  token = double.createToken({ expiresInSeconds: 365 * 86_400 }).accessToken; // survives the tests that advance the clock
});
afterAll(() => double.close());
afterEach(() => double.reset());

describe("GitLab double: REST API v4", () => {
  it("serves the current user", async () => {
    const response = await api("/user");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toMatchObject({ id: 4217, username: "gitlab-dev", name: "GitLab Dev", state: "active", web_url: `${double.url}/gitlab-dev` });
  });

  it("pages /projects?membership=true to the end with x-next-page, with totals and Link", async () => {
    const seen: Array<Record<string, unknown>> = [];
    let page = "1";
    const headers: Array<Record<string, string | null>> = [];
    while (page) {
      const response = await api(`/projects?membership=true&simple=false&order_by=last_activity_at&per_page=2&page=${page}`);
      expect(response.status).toBe(200);
      const h = (name: string) => response.headers.get(name);
      headers.push({ page: h("x-page"), perPage: h("x-per-page"), next: h("x-next-page"), prev: h("x-prev-page"), total: h("x-total"), totalPages: h("x-total-pages"), link: h("link") });
      seen.push(...((await response.json()) as Array<Record<string, unknown>>));
      page = h("x-next-page") ?? "";
    }
    expect(seen.map((p) => p.path_with_namespace).sort()).toEqual(["gitlab-dev/infra-scripts", "gitlab-dev/time-tracker", "platform-team/billing-service", "platform-team/ci-templates"]);
    expect(headers[0]).toMatchObject({ page: "1", perPage: "2", next: "2", prev: "", total: "4", totalPages: "2" });
    expect(headers[1]).toMatchObject({ page: "2", next: "", prev: "1" });
    const base = `${double.apiUrl}/projects?membership=true&simple=false&order_by=last_activity_at&per_page=2`;
    expect(headers[0]!.link).toBe(`<${base}&page=2>; rel="next", <${base}&page=1>; rel="first", <${base}&page=2>; rel="last"`);

    const billing = seen.find((p) => p.path === "billing-service")!;
    expect(billing).toMatchObject({ id: 39_877_120, name: "Billing Service", visibility: "private", default_branch: "main", web_url: `${double.url}/platform-team/billing-service`, permissions: { project_access: null, group_access: { access_level: 30 } } });
    expect(billing.last_activity_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(seen.find((p) => p.path === "time-tracker")).toMatchObject({ permissions: { project_access: { access_level: 50 }, group_access: null } });

    const all = (await (await api("/projects?per_page=100")).json()) as Array<{ path_with_namespace: string }>;
    expect(all.map((p) => p.path_with_namespace)).toContain("open-source/community-docs"); // public, not a member
    const simple = (await (await api("/projects?membership=true&simple=true")).json()) as Array<Record<string, unknown>>;
    expect(simple[0]).not.toHaveProperty("permissions");
    expect((await api("/projects?order_by=stars")).status).toBe(400);
  });

  it("lists commits by URL-encoded path with stats, walking x-next-page (no x-total on commits)", async () => {
    const project = double.project("platform-team/billing-service")!;
    const since = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const expected = project.commits.filter((c) => c.date.toISOString() >= since);
    const seen: Array<Record<string, unknown>> = [];
    let page = "1";
    while (page) {
      const response = await api(`/projects/platform-team%2Fbilling-service/repository/commits?since=${encodeURIComponent(since)}&with_stats=true&per_page=7&page=${page}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-total")).toBeNull();
      expect(response.headers.get("x-total-pages")).toBeNull();
      expect(response.headers.get("link")).not.toContain('rel="last"');
      seen.push(...((await response.json()) as Array<Record<string, unknown>>));
      page = response.headers.get("x-next-page") ?? "";
    }
    expect(seen.map((c) => c.id)).toEqual(expected.map((c) => c.sha));
    const first = expected[0]!;
    expect(seen[0]).toMatchObject({
      id: first.sha,
      short_id: first.sha.slice(0, 11),
      title: first.message.split("\n")[0],
      message: first.message,
      author_name: first.authorName,
      author_email: first.authorEmail,
      web_url: `${double.url}/platform-team/billing-service/-/commit/${first.sha}`,
      stats: { additions: first.additions, deletions: first.deletions, total: first.additions + first.deletions },
    });
    expect(seen[0]!.authored_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000[+-]\d\d:\d\d$/);
    expect(Date.parse(String(seen[0]!.committed_date))).toBe(first.date.getTime());

    const withoutStats = (await (await api(`/projects/${project.id}/repository/commits?per_page=1`)).json()) as Array<Record<string, unknown>>;
    expect(withoutStats[0]).not.toHaveProperty("stats");
    const byAuthor = (await (await api(`/projects/${project.id}/repository/commits?author=${encodeURIComponent("gitlab.dev@example.com")}&per_page=100`)).json()) as Array<{ author_email: string }>;
    expect(byAuthor.length).toBe(project.commits.filter((c) => c.authorEmail === "gitlab.dev@example.com").length);

    const diff = (await (await api(`/projects/${project.id}/repository/commits/${first.sha}/diff`)).json()) as Array<Record<string, unknown>>;
    expect(diff.map((d) => d.new_path)).toEqual(first.files.map((f) => f.filename));
    expect(diff[0]).toMatchObject({ old_path: first.files[0]!.filename, new_file: first.files[0]!.status === "added", deleted_file: first.files[0]!.status === "removed", diff: expect.stringContaining("@@") });
    expect(await (await api(`/projects/${project.id}/repository/commits/0000000000`)).json()).toEqual({ message: "404 Commit Not Found" });
    expect(await (await api(`/projects/nobody%2Fnothing/repository/commits`)).json()).toEqual({ message: "404 Project Not Found" });
  });

  it("answers 304 to If-None-Match with the weak ETag (and, unlike GitHub, counts it)", async () => {
    const path = "/projects/gitlab-dev%2Finfra-scripts/repository/commits?per_page=100";
    const first = await api(path);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    const before = double.rateLimit().remaining;
    const second = await api(path, { headers: { "if-none-match": etag } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe("");
    expect(double.rateLimit().remaining).toBe(before - 1);
    expect(double.requests.at(-1)).toMatchObject({ status: 304, ifNoneMatch: etag, authorization: "bearer" });

    double.addCommits("gitlab-dev/infra-scripts", [{ message: "Add restore drill", authorName: "GitLab Dev", authorEmail: "gitlab.dev@example.com", additions: 20, deletions: 2 }]);
    const third = await api(path, { headers: { "if-none-match": etag } });
    expect(third.status).toBe(200);
    expect(((await third.json()) as Array<{ title: string }>)[0]!.title).toBe("Add restore drill");
  });

  it("throttles with 429 Retry later, Retry-After and RateLimit-* headers", async () => {
    double.setRateLimit({ remaining: 1 });
    expect((await api("/user")).status).toBe(200);
    const limited = await api("/user");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("text/plain");
    expect(await limited.text()).toBe("Retry later\n");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-limit")).toBe("2000");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("ratelimit-observed")).toBe("2001");
    expect(Number(limited.headers.get("ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    expect(limited.headers.get("ratelimit-resettime")).toMatch(/GMT$/);

    double.reset();
    double.failNext({ path: /\/repository\/commits$/, ...gitlabFaults.rateLimited(1) });
    const injected = await api("/projects/48213007/repository/commits");
    expect(injected.status).toBe(429);
    expect(injected.headers.get("retry-after")).toBe("1");
    expect(await injected.text()).toBe("Retry later\n");
    expect((await api("/projects/48213007/repository/commits")).status).toBe(200);
  });

  it("injects 5xx answers and dropped connections", async () => {
    double.failNext({ path: "/user", ...gitlabFaults.serverError(502) });
    const bad = await api("/user");
    expect(bad.status).toBe(502);
    expect(bad.headers.get("content-type")).toContain("text/html");
    double.failNext({ path: "/api/v4/user", ...gitlabFaults.networkError() });
    await expect(api("/user")).rejects.toThrow(/fetch failed/);
    double.failNext({ method: "GET", path: "/user", status: 500 });
    expect(await (await api("/user")).json()).toEqual({ message: "500 Internal Server Error" });
    expect(double.requests.map((r) => [r.status, r.fault])).toEqual([
      [502, true],
      [0, true],
      [500, true],
    ]);
  });

  it("answers the three kinds of 401 and insufficient_scope like GitLab", async () => {
    expect(await (await api("/user", { token: null })).json()).toEqual({ message: "401 Unauthorized" });
    expect(await (await api("/user", { token: "0".repeat(64) })).json()).toEqual({ message: "401 Unauthorized" });

    const expiring = double.createToken().accessToken;
    double.expireToken(expiring);
    const expired = await api("/user", { token: expiring });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: "invalid_token", error_description: "Token is expired. You can either do re-authorization or token refresh." });
    expect(expired.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const userOnly = double.createToken({ scopes: "read_user" }).accessToken;
    expect((await api("/user", { token: userOnly })).status).toBe(200);
    const refused = await api("/projects", { token: userOnly });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "insufficient_scope", scope: "api read_api" });
    expect(JSON.stringify(double.requests)).not.toContain(userOnly);
  });
});

describe("GitLab double: OAuth", () => {
  const redirectUri = "http://localhost:3000/api/integrations/gitlab/callback";
  const authorizeUrl = (extra: Record<string, string>) =>
    `${double.url}/oauth/authorize?${new URLSearchParams({ client_id: double.oauth.clientId, redirect_uri: redirectUri, response_type: "code", scope: "read_api read_user", ...extra })}`;
  const tokenRequest = (body: Record<string, string>) =>
    fetch(`${double.url}/oauth/token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, ...body }),
    });

  it("shows a consent page labelled as a sandbox of GitLab; invalid redirect URIs get an error page", async () => {
    const page = await fetch(authorizeUrl({ state: "st" }));
    const html = await page.text();
    expect(html).toContain("<title>Authorize DevPulse Cloud</title>");
    expect(html).toContain("Local sandbox of GitLab");
    expect(html).toContain("<code>read_api</code>");
    expect(html).toContain("gitlab-dev");
    const requestId = /name="authorization_request" value="([^"]+)"/.exec(html)![1]!;
    const cancelled = await fetch(`${double.url}/oauth/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: "cancel" }) });
    expect(Object.fromEntries(new URL(cancelled.headers.get("location")!).searchParams)).toEqual({
      error: "access_denied",
      error_description: "The resource owner or authorization server denied the request.",
      state: "st",
    });

    const bad = await fetch(authorizeUrl({ redirect_uri: "https://evil.example/cb" }), { redirect: "manual" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("The redirect URI included is not valid.");
    const scope = await fetch(authorizeUrl({ scope: "sudo" }), { redirect: "manual" });
    expect(new URL(scope.headers.get("location")!).searchParams.get("error")).toBe("invalid_scope");
  });

  it("exchanges a code with PKCE, refreshes (rotating the refresh token), and revokes", async () => {
    const { verifier, challenge } = pkce();
    double.approveNext();
    const authorized = await fetch(authorizeUrl({ state: "abc", code_challenge: challenge, code_challenge_method: "S256" }), { redirect: "manual" });
    expect(authorized.status).toBe(302);
    const location = new URL(authorized.headers.get("location")!);
    expect(location.searchParams.get("state")).toBe("abc");
    const code = location.searchParams.get("code")!;

    const wrong = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });

    const granted = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(granted.status).toBe(200);
    const tokens = (await granted.json()) as Record<string, string | number>;
    expect(tokens).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: "Bearer", expires_in: 7200, refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/), scope: "read_api read_user", created_at: expect.any(Number) });
    expect((await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier })).status).toBe(400); // single use
    expect((await api("/projects?membership=true", { token: String(tokens.access_token) })).status).toBe(200);

    const badClient = await tokenRequest({ grant_type: "refresh_token", refresh_token: String(tokens.refresh_token), client_secret: "nope" });
    expect(badClient.status).toBe(401);
    expect(await badClient.json()).toMatchObject({ error: "invalid_client" });

    const refreshed = (await (await tokenRequest({ grant_type: "refresh_token", refresh_token: String(tokens.refresh_token) })).json()) as Record<string, string | number>;
    expect(refreshed).toMatchObject({ token_type: "Bearer", expires_in: 7200, scope: "read_api read_user" });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const reuse = await tokenRequest({ grant_type: "refresh_token", refresh_token: String(tokens.refresh_token) });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });

    // The previous access token dies when the new one is first used.
    expect((await api("/user", { token: String(tokens.access_token) })).status).toBe(200);
    expect((await api("/user", { token: String(refreshed.access_token) })).status).toBe(200);
    expect((await api("/user", { token: String(tokens.access_token) })).status).toBe(401);

    const revoked = await fetch(`${double.url}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: String(refreshed.access_token), client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret }),
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({});
    const after = await api("/user", { token: String(refreshed.access_token) });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." });
  });

  it("expires access tokens after expires_in, with GitLab's expired-token body", async () => {
    double.approveNext();
    const code = new URL((await fetch(authorizeUrl({}), { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    const tokens = (await (await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectUri })).json()) as Record<string, string>;
    double.advanceTime(7201 * 1000);
    const expired = await api("/user", { token: tokens.access_token });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: "invalid_token", error_description: "Token is expired. You can either do re-authorization or token refresh." });
    const refreshed = (await (await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! })).json()) as Record<string, string>;
    expect((await api("/user", { token: refreshed.access_token })).status).toBe(200);
  });
});

describe("GitLab double: project hooks", () => {
  it("numbers hooks uniquely across every double in the process, as one GitLab instance does", async () => {
    // The app keys its webhooks by (provider, hook id) in the one database all test files share.
    const other = await startGitLabDouble();
    try {
      const create = (apiUrl: string, bearer: string) =>
        fetch(`${apiUrl}/projects/gitlab-dev%2Ftime-tracker/hooks`, { method: "POST", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify({ url: "http://127.0.0.1:9/api/webhooks/gitlab", push_events: true }) });
      const first = await create(double.apiUrl, token);
      const second = await create(other.apiUrl, other.createToken().accessToken);
      expect([first.status, second.status]).toEqual([201, 201]);
      const [a, b] = (await Promise.all([first.json(), second.json()])) as Array<{ id: number }>;
      expect((await api(`/projects/gitlab-dev%2Ftime-tracker/hooks/${String(a!.id)}`, { method: "DELETE" })).status).toBe(204); // the tests below expect no other hook
      expect(b!.id).not.toBe(a!.id);
    } finally {
      await other.close();
    }
  });

  it("refuses hooks below Maintainer, delivers a Push Hook with the hook's token, and deletes", async () => {
    const receiver = await startWebhookReceiver({ status: 200 });
    try {
      const developerOnly = await api("/projects/platform-team%2Fbilling-service/hooks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: receiver.url, push_events: true, token: "t" }) });
      expect(developerOnly.status).toBe(403);
      expect(await developerOnly.json()).toEqual({ message: "403 Forbidden" });

      const hookToken = "gitlab-webhook-secret-token";
      const created = await api("/projects/gitlab-dev%2Ftime-tracker/hooks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `${receiver.url}/api/webhooks/gitlab`, push_events: true, token: hookToken, enable_ssl_verification: true }),
      });
      expect(created.status).toBe(201);
      const hook = (await created.json()) as Record<string, unknown>;
      expect(hook).toMatchObject({ id: expect.any(Number), url: `${receiver.url}/api/webhooks/gitlab`, project_id: 48_213_007, push_events: true, enable_ssl_verification: true });
      expect(hook).not.toHaveProperty("token");

      const pushed = await double.deliverPush("gitlab-dev/time-tracker", [
        { message: "Add pomodoro timer\n\nCloses #12", authorName: "GitLab Dev", authorEmail: "gitlab.dev@example.com", utcOffsetMinutes: 120, additions: 30, deletions: 4, files: [{ filename: "src/pomodoro.ts", status: "added", additions: 30 }] },
      ]);
      expect(pushed.deliveries[0]).toMatchObject({ status: 200, error: null });
      const [received] = receiver.received;
      expect(received!.headers).toMatchObject({
        "content-type": "application/json",
        "x-gitlab-event": "Push Hook",
        "x-gitlab-token": hookToken,
        "x-gitlab-event-uuid": pushed.eventUuid,
        "x-gitlab-webhook-uuid": pushed.deliveryId,
        "x-gitlab-instance": double.url,
        "user-agent": expect.stringMatching(/^GitLab\//),
      });
      const payload = JSON.parse(received!.body) as Record<string, unknown>;
      expect(payload).toMatchObject({
        object_kind: "push",
        event_name: "push",
        ref: "refs/heads/main",
        after: pushed.commits[0]!.sha,
        checkout_sha: pushed.commits[0]!.sha,
        user_username: "gitlab-dev",
        project_id: 48_213_007,
        project: { id: 48_213_007, path_with_namespace: "gitlab-dev/time-tracker", web_url: `${double.url}/gitlab-dev/time-tracker`, default_branch: "main" },
        commits: [
          {
            id: pushed.commits[0]!.sha,
            message: "Add pomodoro timer\n\nCloses #12",
            title: "Add pomodoro timer",
            url: `${double.url}/gitlab-dev/time-tracker/-/commit/${pushed.commits[0]!.sha}`,
            author: { name: "GitLab Dev", email: "gitlab.dev@example.com" },
            added: ["src/pomodoro.ts"],
            modified: [],
            removed: [],
          },
        ],
        total_commits_count: 1,
      });
      expect((payload.commits as Array<{ timestamp: string }>)[0]!.timestamp).toMatch(/\+02:00$/);

      const again = await double.redeliver(pushed.deliveryId!);
      expect(again.redelivery).toBe(true);
      expect(receiver.received[1]!.headers["x-gitlab-event-uuid"]).toBe(pushed.eventUuid);
      expect(receiver.received[1]!.headers["idempotency-key"]).toBe(received!.headers["idempotency-key"]);

      const deleted = await api(`/projects/48213007/hooks/${String(hook.id)}`, { method: "DELETE" });
      expect(deleted.status).toBe(204);
      expect((await double.deliverPush(48_213_007, [{ message: "x", authorName: "GitLab Dev", authorEmail: "gitlab.dev@example.com", additions: 1, deletions: 0 }])).deliveries).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("sends at most 20 commits with the real total_commits_count, and no X-Gitlab-Token without a token", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const created = await api("/projects/platform-team%2Fci-templates/hooks", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ url: receiver.url }) });
      expect(created.status).toBe(201);
      const commits = Array.from({ length: 25 }, (_, i) => ({ message: `Step ${i + 1}`, authorName: "Priya Raman", authorEmail: "priya.raman@example.com", date: new Date(Date.now() - (25 - i) * 60_000), additions: 1, deletions: 0 }));
      await double.deliverPush("platform-team/ci-templates", commits);
      const payload = JSON.parse(receiver.received[0]!.body) as { commits: Array<{ title: string }>; total_commits_count: number };
      expect(payload.total_commits_count).toBe(25);
      expect(payload.commits.map((c) => c.title)).toEqual(commits.slice(5).map((c) => c.message));
      expect(receiver.received[0]!.headers).not.toHaveProperty("x-gitlab-token");
    } finally {
      await receiver.close();
    }
  });
});
