import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { externalDataCache, integrations, jobRuns, integrationTokens, oauthStates, providerEtags, webhookDeliveries } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { parseEnv } from "~/server/env";
import { listIntegrations, providerSession } from "~/server/integrations/connections";
import { githubClient } from "~/server/integrations/github/api";
import { circuitState, RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { markSyncing, SYNC_RUN } from "~/server/integrations/sync-runs";
import { readTokens, storeTokens } from "~/server/integrations/tokens";
import { getJobRunner, jobs } from "~/server/jobs/send";
import { githubFaults, startGitHubDouble } from "../doubles/github/server";
import { requestsBeforeReset } from "../doubles/shared/http";
import { errorOf, sessionCookieFor, signedUpUser } from "../support/callers";
import { useEnv, withEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";

// The whole GitHub integration through the real Octokit against the GitHub double,
// with the app's OAuth callback and webhook routes on a real port the double can reach.
let github: Awaited<ReturnType<typeof startGitHubDouble>>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const saved = { ...RESILIENCE };
beforeAll(async () => {
  github = await startGitHubDouble({ autoApprove: true, demoAnchor: new Date(), expiringTokens: true });
  app = await startIntegrationRoutes();
  github.addCallbackUrl(`${app.url}/api/integrations/github/callback`);
  Object.assign(RESILIENCE, { backoffBaseMs: 5, maxInlineWaitMs: 3000 });
});
afterAll(async () => {
  Object.assign(RESILIENCE, saved);
  resetCircuits();
  await Promise.all([github.close(), app.close()]);
});
afterEach(() => github.reset());
useEnv(() => ({
  APP_URL: app.url,
  ...github.appEnv,
}));

const DAY = 86_400_000;
/** What the double holds of the connected account's own commits in the sync window. */
function expectedOwnCommits(login: string) {
  const since = Date.now() - 30 * DAY;
  return github
    .repos()
    .flatMap((repo) => repo.commits.filter((commit) => commit.authorLogin === login && commit.date.getTime() >= since).map((commit) => ({ repo, commit })));
}

describe("connecting GitHub", () => {
  it("shows the scopes first, then connects through GitHub's consent with a single-use state and PKCE", async () => {
    const { user, caller } = await signedUpUser("gh-connect");
    const before = (await caller.integrations.list()).find((entry) => entry.provider === "github")!;
    expect(before).toMatchObject({ state: "available", account: null });
    expect(before.scopes.map((scope) => scope.scope)).toEqual(["read:user", "repo", "admin:repo_hook"]);
    expect(before.scopes.every((scope) => scope.why.length > 20)).toBe(true);

    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const connected = await connectThroughProvider(user, "github");
    stop();

    const url = connected.authorizationUrl;
    expect(url.origin + url.pathname).toBe(`${github.url}/login/oauth/authorize`);
    expect(url.searchParams.get("redirect_uri")).toBe(`${app.url}/api/integrations/github/callback`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toMatch(/^[\w-]{43}$/);
    expect(connected.status).toBe(303);
    expect(connected.callback.pathname).toBe("/integrations");
    expect(Object.fromEntries(connected.callback.searchParams)).toEqual({ connected: "github", account: "octo-dev" });
    expect(heard.map((message) => message.event)).toContain("integration:connected");

    const after = (await caller.integrations.list()).find((entry) => entry.provider === "github")!;
    expect(after).toMatchObject({ state: "connected", account: { login: "octo-dev" }, lastError: null });
    expect(after.lastSyncedAt).toBeInstanceOf(Date);
    // The state was consumed: nothing pending remains for this user.
    expect(await (await getDb()).select().from(oauthStates).where(eq(oauthStates.userId, user.id))).toEqual([]);
  });

  it("refuses a replayed, foreign, expired or made-up state, and a cancelled consent", async () => {
    const alice = await signedUpUser("gh-state-a");
    const bob = await signedUpUser("gh-state-b");
    const callback = async (who: typeof alice, query: Record<string, string>) => {
      const response = await fetch(`${app.url}/api/integrations/github/callback?${new URLSearchParams(query)}`, {
        redirect: "manual",
        headers: { cookie: await sessionCookieFor(who.user) },
      });
      return new URL(response.headers.get("location")!).searchParams.get("error");
    };
    const begin = async () => new URL((await alice.caller.integrations.connect({ provider: "github", consent: true })).authorizationUrl).searchParams.get("state")!;

    expect(await callback(alice, { state: "made-up", code: "x" })).toMatch(/unknown or was already used/);
    const alices = await begin();
    expect(await callback(bob, { state: alices, code: "x" })).toMatch(/started by another account/);
    // Bob's attempt left Alice's state alone: her callback reaches the code exchange, and then it is used up.
    expect(await callback(alice, { state: alices, code: "x" })).toMatch(/GitHub refused the authorization/);
    expect(await callback(alice, { state: alices, code: "x" })).toMatch(/unknown or was already used/);
    const expired = await begin();
    await (await getDb()).update(oauthStates).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthStates.userId, alice.user.id));
    expect(await callback(alice, { state: expired, code: "x" })).toMatch(/expired/);
    const cancelled = await begin();
    expect(await callback(alice, { state: cancelled, error: "access_denied" })).toBe("You cancelled connecting GitHub.");
    const badCode = await begin();
    expect(await callback(alice, { state: badCode, code: "not-a-code" })).toMatch(/GitHub refused the authorization \(bad_verification_code/);
    expect((await alice.caller.integrations.list()).find((entry) => entry.provider === "github")!.state).toBe("available");
  });

  it("refuses another account's callback with a user's state and leaves the state for its owner", async () => {
    const alice = await signedUpUser("gh-own-a");
    const bob = await signedUpUser("gh-own-b");
    const { authorizationUrl } = await alice.caller.integrations.connect({ provider: "github", consent: true });
    const consent = await fetch(authorizationUrl, { redirect: "manual" });
    const callbackUrl = consent.headers.get("location")!;
    const follow = async (who: typeof alice) => {
      const response = await fetch(callbackUrl, { redirect: "manual", headers: { cookie: await sessionCookieFor(who.user) } });
      return new URL(response.headers.get("location")!);
    };
    expect((await follow(bob)).searchParams.get("error")).toMatch(/started by another account/);
    expect(await (await getDb()).select({ userId: oauthStates.userId }).from(oauthStates).where(eq(oauthStates.userId, alice.user.id))).toHaveLength(1);
    expect(Object.fromEntries((await follow(alice)).searchParams)).toEqual({ connected: "github", account: "octo-dev" });
    await getJobRunner().idle();
    expect((await alice.caller.integrations.status({ provider: "github" })).state).toBe("connected");
    expect((await bob.caller.integrations.status({ provider: "github" })).state).toBe("available");
  });

  it("says what to set when the server has no GitHub OAuth app", async () => {
    const { user } = await signedUpUser("gh-unconfigured");
    const [entry] = await listIntegrations(await getDb(), parseEnv({}), user.id);
    expect(entry).toMatchObject({ provider: "github", state: "not_configured", missingConfiguration: ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"], scopes: [] });
  });
});

describe("syncing GitHub", () => {
  it("caches every accessible repository and the account's own commits with stats, and hooks only administered repositories", async () => {
    const { user, caller } = await signedUpUser("gh-sync");
    await connectThroughProvider(user, "github");

    const repositories = await caller.external.repositories({ provider: "github" });
    expect(repositories.map((repo) => repo.fullName).sort()).toEqual(github.repos().map((repo) => repo.fullName).sort());
    expect(repositories.find((repo) => repo.fullName === "acme-corp/payments-api")).toMatchObject({ permission: "write", private: true });

    const commits = await caller.external.commits({ since: new Date(Date.now() - 30 * DAY), limit: 1000 });
    const expected = expectedOwnCommits("octo-dev");
    expect(commits.map((commit) => commit.sha).sort()).toEqual(expected.map(({ commit }) => commit.sha).sort());
    for (const { repo, commit } of expected) {
      const cached = commits.find((candidate) => candidate.sha === commit.sha)!;
      expect(cached).toMatchObject({ repository: repo.fullName, additions: commit.additions, deletions: commit.deletions, files: commit.files.length });
    }
    // The double has one GitHub account, which other tests' users connect too: count this integration's hooks.
    const [integration] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    const ours = (fullName: string) => github.hooks(fullName).filter((hook) => JSON.stringify(hook).includes(integration!.id));
    for (const repo of github.repos()) expect(ours(repo.fullName), repo.fullName).toHaveLength(repo.permissions.admin ? 1 : 0);
  });

  it("an idle resync is at least 90 % 304s: every request is conditional, the repository list included, and GitHub counts none", async () => {
    const { user, caller } = await signedUpUser("gh-etag");
    await connectThroughProvider(user, "github");
    github.reset();
    const remaining = github.rateLimit().remaining;

    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();

    const requests = github.requests;
    const notModified = requests.filter((request) => request.status === 304).length;
    const ratio = notModified / requests.length;
    console.info(`An idle GitHub resync of ${github.repos().length} repositories: ${notModified} of ${requests.length} requests answered 304 (${Math.round(ratio * 100)} %).`);
    expect(ratio).toBeGreaterThanOrEqual(0.9);
    expect(requests.filter((request) => request.path === "/api/v3/user/repos").map((request) => [request.status, Boolean(request.ifNoneMatch)])).toEqual([[304, true]]);
    const commitLists = requests.filter((request) => /\/repos\/[^/]+\/[^/]+\/commits$/.test(request.path));
    expect(commitLists.length).toBe(github.repos().length); // the list rebuilt from the kept page still names every repository
    expect(requests.every((request) => request.status === 304 && request.ifNoneMatch)).toBe(true);
    expect(remaining - github.rateLimit().remaining).toBe(0);
    expect((await caller.integrations.status({ provider: "github" })).state).toBe("connected");
    expect((await caller.external.repositories({ provider: "github" })).length).toBe(github.repos().length);
  });

  it("picks up new commits on the next sync without refetching the old ones' stats", async () => {
    const { user, caller } = await signedUpUser("gh-new-commits");
    await connectThroughProvider(user, "github");
    const [added] = github.addCommits("octo-dev/devpulse-desktop", [
      { message: "Add weekly focus report", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 120, deletions: 8, files: [{ filename: "src/report.ts" }] },
    ]);
    github.reset();
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    const detailCalls = github.requests.filter((request) => /\/commits\/[0-9a-f]{40}$/.test(request.path));
    expect(detailCalls.map((request) => request.path.split("/").pop())).toEqual([added!.sha]);
    const commits = await caller.external.commits({ since: new Date(Date.now() - DAY), repository: "octo-dev/devpulse-desktop" });
    expect(commits.find((commit) => commit.sha === added!.sha)).toMatchObject({ additions: 120, deletions: 8, files: 1, message: "Add weekly focus report" });
  });

  it("waits out a secondary rate limit and retries a 502, as GitHub asks", async () => {
    const { user, caller } = await signedUpUser("gh-limits");
    await connectThroughProvider(user, "github");
    github.reset();
    github.failNext({ ...githubFaults.secondaryRateLimit(1), path: "/user/repos" });
    github.failNext({ ...githubFaults.serverError(502), path: /\/commits$/, times: 2 });
    const started = Date.now();
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await caller.integrations.status({ provider: "github" })).state).toBe("connected");
    expect(github.requests.filter((request) => request.path.endsWith("/user/repos")).map((request) => request.status)).toEqual([403, 304]);
  });

  it("a rate limit on one repository's request holds every request with that token until the reset, not only the refused one", async () => {
    const { user, caller } = await signedUpUser("gh-pause");
    github.reset();
    // On the first sync, which connecting starts. A bare 429 with Retry-After (no rate-limit message, no
    // X-RateLimit-Remaining: 0) is not one Octokit's throttling recognises: its retry plugin would try again
    // after its own short backoff. GitHub asks for silence from the token until then.
    github.failNext({ status: 429, headers: { "retry-after": "2" }, path: /\/commits$/ });
    await connectThroughProvider(user, "github");
    const refused = github.requests.findIndex((request) => request.status === 429);
    expect(refused).toBeGreaterThanOrEqual(0);
    const early = requestsBeforeReset(github.requests, [{ index: refused, resetAfterMs: 2_000 }]);
    expect(early.map((request) => `${request.method} ${request.path}`)).toEqual([]);
    expect(github.requests.slice(refused + 1).length).toBeGreaterThan(0);
    expect(await caller.integrations.status({ provider: "github" })).toMatchObject({ state: "connected", lastError: null });
  });

  it("spaces one token's writes as GitHub asks, and never holds one user's writes behind another's", async () => {
    // The suite runs with writes 5 ms apart (tests/support/setup.ts); GitHub asks for a second.
    const spacingMs = 400;
    const suiteSpacing = RESILIENCE.writeSpacingMs;
    RESILIENCE.writeSpacingMs = spacingMs;
    try {
      const env = parseEnv(process.env);
      const users = ["a", "b"].map((name) => ({ name, client: githubClient(env, github.createToken().accessToken) }));
      // When each write was answered, per user, from the start (GitHub's own timestamps have whole seconds).
      const answeredAfter = new Map<string, number[]>(users.map(({ name }) => [name, []]));
      const started = Date.now();
      await Promise.all(
        users.flatMap(({ name, client }) =>
          [1, 2, 3].map(async (n) => {
            await client.rest.repos.createWebhook({ owner: "octo-dev", repo: "dotfiles", events: ["push"], config: { url: `${app.url}/etiquette/${name}/${n}`, content_type: "json" } });
            answeredAfter.get(name)!.push(Date.now() - started);
          }),
        ),
      );
      expect(github.hooks("octo-dev/dotfiles").filter((hook) => hook.config.url.includes("/etiquette/"))).toHaveLength(6);
      for (const [name, times] of answeredAfter) {
        // One token's writes start a spacing apart: its first is answered at once, its third two spacings later.
        expect(times[0], name).toBeLessThan(spacingMs / 2);
        expect(times[2], name).toBeGreaterThanOrEqual(2 * spacingMs);
      }
      // With one limiter for the whole process (Octokit's default throttle id) the six writes took five spacings.
      expect(Date.now() - started).toBeLessThan(4 * spacingMs);
    } finally {
      RESILIENCE.writeSpacingMs = suiteSpacing;
    }
  });

  it("a GitHub that accepts the connection and never answers is given up on after the request timeout and retried, not waited for", async () => {
    const { user, caller } = await signedUpUser("gh-hung");
    await connectThroughProvider(user, "github");
    github.reset();
    const timeout = RESILIENCE.requestTimeoutMs;
    RESILIENCE.requestTimeoutMs = 200;
    try {
      // Three attempts at the repository list hang for 5 s each; Octokit's retries (3) reach the fourth, which answers.
      github.failNext({ path: "/user/repos", status: 200, body: "[]", delayMs: 5_000, times: 3 });
      const started = Date.now();
      await caller.integrations.sync({ provider: "github" });
      await getJobRunner().idle();
      // Without the timeout each hung attempt is waited out: 15 s.
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      RESILIENCE.requestTimeoutMs = timeout;
    }
    expect(await caller.integrations.status({ provider: "github" })).toMatchObject({ state: "connected", lastError: null });
  });

  it("a rate limit that resets later pauses the run, says so on the integration, and resumes after the reset", async () => {
    const { user, caller } = await signedUpUser("gh-later");
    await connectThroughProvider(user, "github");
    github.reset();
    const inline = RESILIENCE.maxInlineWaitMs;
    RESILIENCE.maxInlineWaitMs = 0; // any wait is "later" here: the job engine must do the waiting
    try {
      github.failNext({ ...githubFaults.secondaryRateLimit(1), path: "/user/repos" });
      await caller.integrations.sync({ provider: "github" });
      await expect
        .poll(async () => caller.integrations.status({ provider: "github" }), { timeout: 5000, interval: 50 })
        .toMatchObject({ state: "syncing", lastError: expect.stringMatching(/GitHub is rate limiting requests until .+ The sync continues then\./) });
      await getJobRunner().idle();
    } finally {
      RESILIENCE.maxInlineWaitMs = inline;
    }
    expect(await caller.integrations.status({ provider: "github" })).toMatchObject({ state: "connected", lastError: null });
  });

  it("a run lost in \"syncing\" (its process crashed) becomes a retryable error once past its deadline, and a retry syncs", async () => {
    const { user, caller } = await signedUpUser("gh-lost-run");
    await connectThroughProvider(user, "github");
    const db = await getDb();
    const owner = { userId: user.id, provider: "github" as const };
    // A run that started and then died with its process: nothing marks it done.
    await markSyncing(db, owner);
    expect((await caller.integrations.status({ provider: "github" })).state).toBe("syncing"); // within its deadline: still running
    await markSyncing(db, owner, new Date(Date.now() - SYNC_RUN.deadlineMs - 1000));
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const status = await caller.integrations.status({ provider: "github" });
    stop();
    expect(status).toMatchObject({ state: "error", lastError: expect.stringMatching(/did not finish in time.+Sync again/) });
    expect(heard).toEqual([expect.objectContaining({ event: "integration:error", payload: expect.objectContaining({ provider: "github", status: "error" }) })]);

    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(await caller.integrations.status({ provider: "github" })).toMatchObject({ state: "connected", lastError: null });
    expect((await db.select().from(integrations).where(eq(integrations.userId, user.id)))[0]!.syncDeadlineAt).toBeNull();
  });

  it("a lasting outage ends in a readable error and opens the circuit breaker, so further calls stop at once", async () => {
    const { user, caller } = await signedUpUser("gh-outage");
    await connectThroughProvider(user, "github");
    resetCircuits();
    github.reset();
    github.failNext({ ...githubFaults.serverError(503), path: "/user/repos", times: 1000 });
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    stop();

    const status = await caller.integrations.status({ provider: "github" });
    expect(status.state).toBe("error");
    expect(status.lastError).toMatch(/GitHub (answered 503 several times in a row|has been failing, so calls are paused)/);
    expect(status.outage?.until).toBeInstanceOf(Date);
    expect(circuitState("github").open).toBe(true);
    expect(heard.filter((message) => message.event === "integration:error")).toHaveLength(1);
    const callsWhileOpen = github.requests.length;
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(github.requests.length).toBe(callsWhileOpen); // the open circuit spared GitHub (and our retries)
    resetCircuits();
  });
});

describe("tokens", () => {
  it("are refreshed before they expire, and a refused refresh asks the user to reconnect", async () => {
    const { user, caller } = await signedUpUser("gh-refresh");
    await connectThroughProvider(user, "github");
    const db = await getDb();
    const owner = { userId: user.id, provider: "github" };
    const fresh = github.createToken({ expiresInSeconds: 60 });
    await storeTokens(db, owner, { accessToken: fresh.accessToken, refreshToken: fresh.refreshToken, expiresAt: new Date(Date.now() + 60_000) });

    const session = await providerSession(db, parseEnv(process.env), user.id, "github");
    expect(session.accessToken).not.toBe(fresh.accessToken);
    const stored = await readTokens(db, owner);
    expect(stored!.accessToken).toBe(session.accessToken);
    expect(stored!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);

    await storeTokens(db, owner, { accessToken: session.accessToken, refreshToken: "ghr_not-a-real-refresh-token-000000", expiresAt: new Date(Date.now() + 1000) });
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    await expect(providerSession(db, parseEnv(process.env), user.id, "github")).rejects.toThrow(/Reconnect GitHub/);
    stop();
    expect((await caller.integrations.status({ provider: "github" })).state).toBe("needs_reauth");
    expect(heard).toEqual([expect.objectContaining({ event: "integration:error", payload: expect.objectContaining({ status: "needs_reauth" }) })]);
  });

  it("a token revoked at GitHub puts the integration in needs_reauth instead of retrying", async () => {
    const { user, caller } = await signedUpUser("gh-revoked");
    await connectThroughProvider(user, "github");
    const tokens = await readTokens(await getDb(), { userId: user.id, provider: "github" });
    github.revokeToken(tokens!.accessToken);
    github.reset();
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(await caller.integrations.status({ provider: "github" })).toMatchObject({ state: "needs_reauth", lastError: expect.stringMatching(/Reconnect GitHub/) });
    expect(github.requests.filter((request) => request.status === 401)).toHaveLength(1);

    // Pushes that keep arriving are acknowledged and dropped: no job that could only fail again.
    const [integration] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    const pushed = await github.deliverPush("octo-dev/devpulse-desktop", [{ message: "Pushed while disconnected", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 1, deletions: 0 }]);
    const delivery = pushed.deliveries.find((candidate) => candidate.url.includes(integration!.id))!;
    expect(delivery).toMatchObject({ status: 202, responseBody: expect.stringMatching(/needs reconnecting/) });
    const runs = await (await getDb()).select().from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.functionId, "process-git-push")));
    expect(runs).toEqual([]);
  });

  it("are never stored in plaintext, anywhere", async () => {
    const { user } = await signedUpUser("gh-scan");
    await connectThroughProvider(user, "github");
    const db = await getDb();
    const tokens = (await readTokens(db, { userId: user.id, provider: "github" }))!;
    for (const table of schemaTableNames()) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      expect(JSON.stringify(Array.isArray(rows) ? rows : rows.rows), table).not.toContain(tokens.accessToken);
    }
  });
});

describe("the privacy settings' permissions", () => {
  it("withheld commits are never fetched nor taken from pushes; withheld webhooks are removed; granting again restores both", async () => {
    const { user, caller } = await signedUpUser("gh-permissions");
    await connectThroughProvider(user, "github");
    const db = await getDb();
    const [integration] = await db.select().from(integrations).where(eq(integrations.userId, user.id));
    const ourHooks = () => github.repos().flatMap((repo) => github.hooks(repo.fullName).filter((hook) => JSON.stringify(hook).includes(integration!.id)));
    expect(ourHooks().length).toBeGreaterThan(0);

    await caller.privacy.updateSettings({ integrations: { github: { permissions: ["repositories"] } } });
    const [added] = github.addCommits("octo-dev/devpulse-desktop", [{ message: "Written while commits were withheld", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 1, deletions: 0 }]);
    github.reset();
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(github.requests.filter((request) => request.path.includes("/commits"))).toEqual([]);
    expect(github.requests.map((request) => request.path)).toContain("/api/v3/user/repos");
    expect(ourHooks()).toEqual([]);
    // A push that still arrives (sent before the hook was gone) is not kept either.
    await jobs.send({ name: "git/push.received", data: { userId: user.id, provider: "github", repository: "octo-dev/devpulse-desktop", commits: [{ sha: added!.sha, message: "Written while commits were withheld", url: null, authorName: "Octo Dev", authorEmail: null, authorLogin: "octo-dev", committedAt: new Date().toISOString() }] } });
    await getJobRunner().idle();
    const shas = async () => (await caller.external.commits({ since: new Date(Date.now() - DAY) })).map((commit) => commit.sha);
    expect(await shas()).not.toContain(added!.sha);

    await caller.privacy.updateSettings({ integrations: { github: { permissions: ["repositories", "commits", "webhooks"] } } });
    await caller.integrations.sync({ provider: "github" });
    await getJobRunner().idle();
    expect(await shas()).toContain(added!.sha);
    expect(ourHooks().length).toBeGreaterThan(0);
  });

  it("refuses a permission set without the repository list, or with an unknown permission", async () => {
    const { caller } = await signedUpUser("gh-permissions-invalid");
    await expect(errorOf(() => caller.privacy.updateSettings({ integrations: { github: { permissions: ["commits"] } } }))).resolves.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/must include "repositories"/) });
    await expect(errorOf(() => caller.privacy.updateSettings({ integrations: { github: { permissions: ["repositories", "issues"] as never } } }))).resolves.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/Unknown permission "issues"/) });
    expect((await caller.privacy.settings()).integrations.github).toBeUndefined();
  });
});

describe("webhooks", () => {
  it("a signed push adds the account's commits and publishes commit:new; a replay or a bad signature does nothing", async () => {
    const { user, caller } = await signedUpUser("gh-hook");
    await connectThroughProvider(user, "github");
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const pushed = await github.deliverPush("octo-dev/devpulse-desktop", [
      { message: "Live commit from a webhook\n\nwith a body", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 3, deletions: 1, files: [{ filename: "a.ts" }] },
      { message: "A colleague's commit", authorLogin: "mona-lisa", authorName: "Mona", authorEmail: "mona@example.com", additions: 1, deletions: 1 },
    ]);
    await getJobRunner().idle();
    const [integration] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    // Every connected user's hook gets the push; this user's hook is the one with their integration in its URL.
    const delivery = pushed.deliveries.find((candidate) => candidate.url.includes(integration!.id))!;
    expect(pushed.deliveries.map((candidate) => `${candidate.status} ${candidate.url}`)).toEqual(pushed.deliveries.map((candidate) => `202 ${candidate.url}`));
    const mine = pushed.commits[0]!;
    expect(heard.filter((message) => message.event === "commit:new").map((message) => message.payload)).toEqual([
      expect.objectContaining({ provider: "github", repository: "octo-dev/devpulse-desktop", sha: mine.sha, message: "Live commit from a webhook" }),
    ]);
    expect((await caller.external.commits({ since: new Date(Date.now() - DAY) })).map((commit) => commit.sha)).toContain(mine.sha);

    const replay = await github.redeliver(delivery.deliveryId);
    expect(replay.status).toBe(200);
    await getJobRunner().idle();
    expect(heard.filter((message) => message.event === "commit:new")).toHaveLength(1);

    const forged = await fetch(`${app.url}/api/webhooks/github`, {
      method: "POST",
      headers: { ...delivery.request.headers, "x-github-delivery": crypto.randomUUID() },
      body: delivery.request.body.replace("Live commit", "Forged commit"),
    });
    expect(forged.status).toBe(401);
    stop();
  });

  it("a push whose job cannot be queued answers 500 and is not lost: its redelivery is done, not ignored as a duplicate", async () => {
    const { user, caller } = await signedUpUser("gh-hook-queue");
    await connectThroughProvider(user, "github");
    const [integration] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    // To this user's hook only: each failing send costs the Inngest SDK's retries (about 1.6 s).
    const hook = github.hooks("octo-dev/devpulse-desktop").find((candidate) => candidate.config.url.includes(integration!.id))!;
    // Inngest configured but unreachable: the webhook is verified and recorded, its event cannot be handed over.
    const pushed = await withEnv({ INNGEST_DEV: "http://127.0.0.1:9", INNGEST_EVENT_KEY: "test-event-key" }, () =>
      github.deliverPush("octo-dev/devpulse-desktop", [{ message: "Pushed while the job engine was away", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 1, deletions: 0 }], { hookId: hook.id }),
    );
    expect(pushed.deliveries.map((delivery) => delivery.status)).toEqual([500]);
    const delivery = pushed.deliveries[0]!;

    const redelivered = await github.redeliver(delivery.deliveryId);
    expect(redelivered.status).toBe(202);
    await getJobRunner().idle();
    expect((await caller.external.commits({ since: new Date(Date.now() - DAY) })).map((commit) => commit.sha)).toContain(pushed.commits[0]!.sha);
  });

  it("a delivery another request is still handling is answered 503 with Retry-After; one whose request died is taken over after a minute", async () => {
    const { user } = await signedUpUser("gh-hook-claims");
    await connectThroughProvider(user, "github");
    const db = await getDb();
    const [integration] = await db.select().from(integrations).where(eq(integrations.userId, user.id));
    const hook = github.hooks("octo-dev/devpulse-desktop").find((candidate) => candidate.config.url.includes(integration!.id))!;
    const pushed = await github.deliverPush("octo-dev/devpulse-desktop", [{ message: "Claimed twice", authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 1, deletions: 0 }], { hookId: hook.id });
    const { deliveryId } = pushed.deliveries[0]!;
    const claim = and(eq(webhookDeliveries.provider, "github"), eq(webhookDeliveries.deliveryId, deliveryId));
    expect((await db.select({ handledAt: webhookDeliveries.handledAt }).from(webhookDeliveries).where(claim))[0]?.handledAt).toBeInstanceOf(Date);

    // As if another request had just claimed it and were still queueing its job.
    await db.update(webhookDeliveries).set({ handledAt: null, receivedAt: new Date() }).where(claim);
    const { request } = pushed.deliveries[0]!;
    const meanwhile = await fetch(`${app.url}/api/webhooks/github`, { method: "POST", headers: request.headers, body: request.body });
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.headers.get("retry-after")).toBe("5");

    // That request died a minute ago without finishing: the retry takes the delivery over and does it.
    await db.update(webhookDeliveries).set({ receivedAt: new Date(Date.now() - 61_000) }).where(claim);
    expect((await github.redeliver(deliveryId)).status).toBe(202);
    expect((await github.redeliver(deliveryId)).status).toBe(200);
  });

  it("refuses bodies over 1 MB and deliveries for hooks it does not know", async () => {
    const big = await fetch(`${app.url}/api/webhooks/github`, { method: "POST", headers: { "x-github-hook-id": "1" }, body: "x".repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    const unknown = await fetch(`${app.url}/api/webhooks/github`, {
      method: "POST",
      headers: { "x-github-hook-id": "999999", "x-github-delivery": "d1", "x-hub-signature-256": "sha256=00", "x-github-event": "push" },
      body: "{}",
    });
    expect(unknown.status).toBe(401);
  });
});

describe("disconnecting and authorization", () => {
  it("revokes the grant, removes the webhooks, and deletes tokens and cached data", async () => {
    const { user, caller } = await signedUpUser("gh-disconnect");
    await connectThroughProvider(user, "github");
    const tokens = (await readTokens(await getDb(), { userId: user.id, provider: "github" }))!;
    const integrationId = (await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id)))[0]!.id;
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const result = await caller.integrations.disconnect({ provider: "github" }).finally(stop);
    // Open pages (the dashboard's count, the integrations list in another tab) hear it.
    expect(heard.filter((message) => message.event === "integration:disconnected")).toEqual([{ userId: user.id, event: "integration:disconnected", payload: { provider: "github" } }]);
    expect(result).toMatchObject({ revoked: true, webhooksRemoved: github.repos().filter((repo) => repo.permissions.admin).length });
    for (const repo of github.repos()) expect(github.hooks(repo.fullName).filter((hook) => JSON.stringify(hook).includes(integrationId))).toEqual([]);
    const probe = await fetch(`${github.apiUrl}/user`, { headers: { authorization: `token ${tokens.accessToken}` } });
    expect(probe.status).toBe(401);
    const db = await getDb();
    for (const table of [integrations, integrationTokens, externalDataCache, providerEtags]) {
      expect(await db.select().from(table).where(eq(table.userId, user.id)), String(table)).toEqual([]);
    }
    expect((await caller.integrations.status({ provider: "github" })).state).toBe("available");
  });

  it("one user never sees or touches another's integration, repositories or commits", async () => {
    const alice = await signedUpUser("gh-alice");
    const bob = await signedUpUser("gh-bob");
    await connectThroughProvider(alice.user, "github");
    expect(await bob.caller.external.repositories({})).toEqual([]);
    expect(await bob.caller.external.commits({ since: new Date(Date.now() - 30 * DAY) })).toEqual([]);
    expect((await bob.caller.integrations.status({ provider: "github" })).state).toBe("available");
    await expect(errorOf(() => bob.caller.integrations.disconnect({ provider: "github" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => bob.caller.integrations.sync({ provider: "github" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    expect((await alice.caller.integrations.status({ provider: "github" })).state).toBe("connected");
    await expect(errorOf(() => alice.caller.integrations.connect({ provider: "myspace" as "github" }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    const db = await getDb();
    expect((await db.select().from(integrations).where(and(eq(integrations.userId, alice.user.id), eq(integrations.provider, "github")))).length).toBe(1);
  });
});
