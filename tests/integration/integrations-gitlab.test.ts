import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { externalDataCache, integrations, integrationTokens, integrationWebhooks, oauthStates, providerEtags } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { parseEnv } from "~/server/env";
import { listIntegrations, providerSession } from "~/server/integrations/connections";
import { syncWindowStart } from "~/server/integrations/git-sync";
import { gitlab as gitlabProvider } from "~/server/integrations/gitlab/provider";
import type { ProviderSession } from "~/server/integrations/provider";
import { RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { readTokens, storeTokens } from "~/server/integrations/tokens";
import { getJobRunner } from "~/server/jobs/send";
import { type GitLabSeedCommit, gitlabDemoSeed, gitlabFaults, startGitLabDouble } from "../doubles/gitlab/server";
import { errorOf, sessionCookieFor, signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";

// The whole GitLab integration (REST v4 over resilientFetch) against the GitLab double,
// with the app's OAuth callback and webhook routes on a real port the double can reach.
let gitlab: Awaited<ReturnType<typeof startGitLabDouble>>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
let anchor: Date;
const saved = { ...RESILIENCE };
beforeAll(async () => {
  anchor = new Date();
  gitlab = await startGitLabDouble({ autoApprove: true, demoAnchor: anchor });
  app = await startIntegrationRoutes();
  gitlab.addRedirectUri(`${app.url}/api/integrations/gitlab/callback`);
  Object.assign(RESILIENCE, { backoffBaseMs: 5, maxInlineWaitMs: 3000 });
});
afterAll(async () => {
  Object.assign(RESILIENCE, saved);
  resetCircuits();
  await Promise.all([gitlab.close(), app.close()]);
});
afterEach(() => {
  gitlab.reset();
  // Back to the demo data (same commits, same shas) and no hooks: each test starts from the same GitLab.
  gitlab.seed(gitlabDemoSeed(anchor));
});
useEnv(() => ({
  APP_URL: app.url,
  ...gitlab.appEnv,
}));

const DAY = 86_400_000;
type Project = ReturnType<typeof gitlab.projects>[number];
type StoredCommit = Project["commits"][number];

const accessLevel = (project: Project) => Math.max(project.projectAccess ?? 0, project.groupAccess ?? 0);
/** The projects `membership=true` lists: the account has a role in them. */
const memberProjects = () => gitlab.projects().filter((project) => accessLevel(project) > 0);
/** Maintainer (40) or Owner (50): the only roles allowed to manage a project's hooks. */
const maintainedProjects = () => memberProjects().filter((project) => accessLevel(project) >= 40);
/** GitLab cannot filter by user: the account's commits are those with one of its emails (any case) or its name. */
const isOwn = (commit: StoredCommit) => commit.authorEmail.toLowerCase() === gitlab.user.email.toLowerCase() || commit.authorName === gitlab.user.name;

/** What the double holds of the connected account's own commits in the sync window. */
function expectedOwnCommits() {
  const since = Date.parse(syncWindowStart());
  return memberProjects().flatMap((project) => project.commits.filter((commit) => isOwn(commit) && commit.date.getTime() >= since).map((commit) => ({ project, commit })));
}

const own = (message: string, date: Date, extra: Partial<GitLabSeedCommit> = {}): GitLabSeedCommit => ({
  message,
  authorName: "GitLab Dev",
  authorEmail: "gitlab.dev@example.com",
  date,
  utcOffsetMinutes: 120,
  additions: 4,
  deletions: 2,
  ...extra,
});

async function integrationOf(userId: string) {
  const [row] = await (await getDb()).select().from(integrations).where(and(eq(integrations.userId, userId), eq(integrations.provider, "gitlab")));
  return row!;
}

const commitList = /\/projects\/[^/]+\/repository\/commits$/;
const commitDetail = /\/projects\/[^/]+\/repository\/commits\/([0-9a-f]{40})(\/diff)?$/;

describe("connecting GitLab", () => {
  it("shows the scopes with their reasons first, then connects through GitLab's consent with state, PKCE S256 and the exact redirect URI", async () => {
    const { user, caller } = await signedUpUser("gl-connect");
    const before = (await caller.integrations.list()).find((entry) => entry.provider === "gitlab")!;
    expect(before).toMatchObject({ state: "available", account: null, webUrl: gitlab.url });
    expect(before.scopes.map((scope) => scope.scope)).toEqual(["read_user", "read_api", "api"]);
    expect(before.scopes.every((scope) => scope.why.length > 20)).toBe(true);

    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const connected = await connectThroughProvider(user, "gitlab");
    stop();

    const url = connected.authorizationUrl;
    expect(url.origin + url.pathname).toBe(`${gitlab.url}/oauth/authorize`);
    expect(url.searchParams.get("client_id")).toBe(gitlab.oauth.clientId);
    expect(url.searchParams.get("redirect_uri")).toBe(`${app.url}/api/integrations/gitlab/callback`);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("scope")).toBe("read_user read_api api");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[\w-]{43}$/);
    // The double checks the verifier against the challenge and the redirect URI against the code's: the exchange succeeded.
    expect(gitlab.requests.filter((request) => request.path === "/oauth/token").map((request) => request.status)).toEqual([200]);
    expect(connected.status).toBe(303);
    expect(connected.callback.pathname).toBe("/integrations");
    expect(Object.fromEntries(connected.callback.searchParams)).toEqual({ connected: "gitlab", account: "gitlab-dev" });
    expect(heard.map((message) => message.event)).toContain("integration:connected");

    const after = (await caller.integrations.list()).find((entry) => entry.provider === "gitlab")!;
    expect(after).toMatchObject({ state: "connected", account: { login: "gitlab-dev", name: "GitLab Dev" }, lastError: null, grantedScopes: ["read_user", "read_api", "api"] });
    expect(after.lastSyncedAt).toBeInstanceOf(Date);
    expect((await integrationOf(user.id)).accountEmails).toEqual(["gitlab.dev@example.com"]);
    expect(await (await getDb()).select().from(oauthStates).where(eq(oauthStates.userId, user.id))).toEqual([]);
  });

  it("a cancelled consent connects nothing", async () => {
    const { user, caller } = await signedUpUser("gl-cancel");
    const { authorizationUrl } = await caller.integrations.connect({ provider: "gitlab", consent: true });
    gitlab.denyNext();
    const consent = await fetch(authorizationUrl, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(`${app.url}/api/integrations/gitlab/callback`);
    const callback = await fetch(back, { redirect: "manual", headers: { cookie: await sessionCookieFor(user) } });
    expect(new URL(callback.headers.get("location")!).searchParams.get("error")).toBe("You cancelled connecting GitLab.");
    expect(gitlab.requests.some((request) => request.path === "/oauth/token")).toBe(false);
    expect((await caller.integrations.status({ provider: "gitlab" })).state).toBe("available");
  });

  it("says what to set when the server has no GitLab application", async () => {
    const { user } = await signedUpUser("gl-unconfigured");
    const entry = (await listIntegrations(await getDb(), parseEnv({}), user.id)).find((candidate) => candidate.provider === "gitlab");
    expect(entry).toMatchObject({ state: "not_configured", missingConfiguration: ["GITLAB_CLIENT_ID", "GITLAB_CLIENT_SECRET"], scopes: [], webUrl: "https://gitlab.com" });
  });
});

describe("syncing GitLab", () => {
  it("caches every member project with its permission and exactly the account's own commits of the window, every page, with stats and files", async () => {
    // Enough commits to take three pages of 100, some of them the account's under another email or in upper case,
    // colleagues' commits in between, some too old, and one commit touching more files than a diff page holds.
    const now = Date.now();
    const many = Array.from({ length: 180 }, (_, i) => own(`Tracker change ${i}`, new Date(now - (i + 1) * 2 * 3600_000), { additions: i + 1, deletions: i % 7, files: [{ filename: `src/f${i}.ts` }, { filename: `src/g${i}.ts` }] }));
    const colleagues = Array.from({ length: 10 }, (_, i) => ({ ...own(`Priya's change ${i}`, new Date(now - (i + 1) * 5 * 3600_000)), authorName: "Priya Raman", authorEmail: "priya.raman@example.com" }));
    const tooOld = [own("Before the window", new Date(now - 35 * DAY)), own("Long before the window", new Date(now - 40 * DAY))];
    const otherEmail = own("From the laptop", new Date(now - 3 * 3600_000), { authorEmail: "dev@laptop.local" });
    const upperCase = own("Upper-case email", new Date(now - 4 * 3600_000), { authorName: "G. Dev", authorEmail: "GitLab.Dev@Example.com" });
    const big = own("Regenerate the API client", new Date(now - 5 * 3600_000), {
      additions: 130,
      deletions: 0,
      files: Array.from({ length: 130 }, (_, i) => ({ filename: `src/generated/client-${i}.ts`, additions: 1, status: "added" as const })),
    });
    gitlab.addCommits("gitlab-dev/time-tracker", [...many, ...colleagues, ...tooOld, otherEmail, upperCase, big]);

    const { user, caller } = await signedUpUser("gl-sync");
    await connectThroughProvider(user, "gitlab");

    const repositories = await caller.external.repositories({ provider: "gitlab" });
    expect(repositories.map((repo) => repo.fullName).sort()).toEqual(memberProjects().map((project) => project.pathWithNamespace).sort());
    expect(repositories.map((repo) => repo.fullName)).not.toContain("open-source/community-docs"); // public, but not a member
    for (const project of memberProjects()) {
      const level = accessLevel(project);
      expect(repositories.find((repo) => repo.fullName === project.pathWithNamespace), project.pathWithNamespace).toMatchObject({
        provider: "gitlab",
        providerId: String(project.id),
        permission: level >= 40 ? "admin" : level >= 30 ? "write" : "read",
        private: project.visibility !== "public",
        defaultBranch: project.defaultBranch,
        url: `${gitlab.url}/${project.pathWithNamespace}`,
      });
    }
    expect(repositories.find((repo) => repo.fullName === "platform-team/billing-service")!.permission).toBe("write"); // Developer (30)
    expect(repositories.find((repo) => repo.fullName === "platform-team/ci-templates")!.permission).toBe("admin"); // Maintainer (40)

    const commits = await caller.external.commits({ since: new Date(now - 60 * DAY), limit: 5000 });
    const expected = expectedOwnCommits();
    expect(expected.length).toBeGreaterThan(200);
    expect(commits.map((commit) => commit.sha).sort()).toEqual(expected.map(({ commit }) => commit.sha).sort());
    for (const { project, commit } of expected) {
      const cached = commits.find((candidate) => candidate.sha === commit.sha)!;
      expect(cached, commit.message).toMatchObject({
        provider: "gitlab",
        repository: project.pathWithNamespace,
        message: commit.message,
        authorEmail: commit.authorEmail,
        committedAt: commit.date.toISOString(),
        additions: commit.additions,
        deletions: commit.deletions,
        files: commit.files.length,
        url: `${gitlab.url}/${project.pathWithNamespace}/-/commit/${commit.sha}`,
      });
    }
    const shas = new Set(commits.map((commit) => commit.sha));
    const added = gitlab.project("gitlab-dev/time-tracker")!.commits;
    const shaOf = (message: string) => added.find((commit) => commit.message === message)!.sha;
    expect(shas.has(shaOf("From the laptop")) && shas.has(shaOf("Upper-case email"))).toBe(true);
    expect(shas.has(shaOf("Before the window")) || shas.has(shaOf("Priya's change 0"))).toBe(false);
    expect(commits.find((commit) => commit.sha === shaOf("Regenerate the API client"))!.files).toBe(130);
    // Its diff takes two pages of 100 files: both were read.
    const bigDiff = gitlab.requests.filter((request) => request.path.endsWith(`/repository/commits/${shaOf("Regenerate the API client")}/diff`));
    expect(bigDiff.map((request) => request.query.page ?? "1")).toEqual(["1", "2"]);

    // Every page of the commit list, to the last, each with the window and stats asked for.
    const since = syncWindowStart();
    const inWindow = added.filter((commit) => commit.date.getTime() >= Date.parse(since)).length;
    const trackerLists = gitlab.requests.filter((request) => request.path === "/api/v4/projects/gitlab-dev%2Ftime-tracker/repository/commits");
    expect(trackerLists.map((request) => request.query.page ?? "1")).toEqual(Array.from({ length: Math.ceil(inWindow / 100) }, (_, i) => String(i + 1)));
    expect(trackerLists.length).toBeGreaterThanOrEqual(3);
    expect(gitlab.requests.filter((request) => commitList.test(request.path)).every((request) => request.query.since === since && request.query.with_stats === "true" && request.query.per_page === "100")).toBe(true);
    // Details (stats and the diff for files) only for the account's own commits, once each.
    const details = gitlab.requests.filter((request) => commitDetail.test(request.path) && !request.query.page);
    expect(details.filter((request) => !request.path.endsWith("/diff")).map((request) => commitDetail.exec(request.path)![1]).sort()).toEqual([...shas].sort());
    expect(details.filter((request) => request.path.endsWith("/diff")).map((request) => commitDetail.exec(request.path)![1]).sort()).toEqual([...shas].sort());

    // Hooks only where the account may manage them (Maintainer or Owner), each pointing at this integration.
    const integration = await integrationOf(user.id);
    for (const project of gitlab.projects()) {
      const hooks = gitlab.hooks(project.id).filter((hook) => hook.url.includes(integration.id));
      expect(hooks, project.pathWithNamespace).toHaveLength(accessLevel(project) >= 40 ? 1 : 0);
      for (const hook of hooks) {
        expect(hook).toMatchObject({ url: `${app.url}/api/webhooks/gitlab?integration=${integration.id}`, pushEvents: true });
        expect(hook.token!.length).toBeGreaterThanOrEqual(32);
      }
    }
    expect(gitlab.requests.filter((request) => request.method === "POST" && request.path.endsWith("/hooks")).every((request) => request.status === 201)).toBe(true);
    const stored = await (await getDb()).select().from(integrationWebhooks).where(eq(integrationWebhooks.integrationId, integration.id));
    expect(stored.map((row) => row.repository).sort()).toEqual(maintainedProjects().map((project) => project.pathWithNamespace).sort());
  });

  it("an idle resync sends If-None-Match on every request, the project list included: all 304s, no commit details", async () => {
    const { user, caller } = await signedUpUser("gl-etag");
    await connectThroughProvider(user, "gitlab");
    gitlab.reset();

    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();

    const requests = gitlab.requests;
    const notModified = requests.filter((request) => request.status === 304).length;
    console.info(`An idle GitLab resync of ${memberProjects().length} projects: ${notModified} of ${requests.length} requests answered 304 (${Math.round((100 * notModified) / requests.length)} %).`);
    expect(notModified / requests.length).toBeGreaterThanOrEqual(0.9);
    expect(requests.filter((request) => request.path === "/api/v4/projects").map((request) => request.status)).toEqual([304]);
    const lists = requests.filter((request) => commitList.test(request.path));
    expect(lists.length).toBe(memberProjects().length); // the project list rebuilt from the kept page names every project
    expect(requests.every((request) => request.status === 304 && /^W\/"[0-9a-f]{32}"$/.test(request.ifNoneMatch ?? ""))).toBe(true);
    expect(requests.some((request) => commitDetail.test(request.path))).toBe(false);
    expect(requests.some((request) => request.method === "POST")).toBe(false); // no second set of hooks either
    expect((await caller.integrations.status({ provider: "gitlab" })).state).toBe("connected");
  });

  it("a project list over several pages is asked for page by page, each conditionally, rebuilt whole from 304s, and refetched where it changed", async () => {
    const demo = gitlabDemoSeed(anchor);
    const extra = Array.from({ length: 120 }, (_, i) => ({ namespace: "gitlab-dev", path: `sandbox-${String(i).padStart(3, "0")}`, createdAt: new Date(anchor.getTime() - (i + 1) * DAY).toISOString() }));
    gitlab.seed({ ...demo, projects: [...demo.projects, ...extra] });
    const { user, caller } = await signedUpUser("gl-etag-pages");
    // Only the repository list is allowed: the test is about the list, not 125 commit lists.
    await caller.privacy.updateSettings({ integrations: { gitlab: { permissions: ["repositories"] } } });
    await connectThroughProvider(user, "gitlab");
    const projectPages = () => gitlab.requests.filter((request) => request.path === "/api/v4/projects").map((request) => `${request.query.page ?? "1"} ${request.status}${request.ifNoneMatch ? " conditional" : ""}`);
    expect(projectPages()).toEqual(["1 200", "2 200"]);
    const all = memberProjects().map((project) => project.pathWithNamespace).sort();

    gitlab.reset();
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();
    expect(projectPages()).toEqual(["1 304 conditional", "2 304 conditional"]);
    expect((await caller.external.repositories({ provider: "gitlab" })).map((repo) => repo.fullName).sort()).toEqual(all);

    // A new commit moves its project to the top of page 1 (ordered by activity): both pages change.
    gitlab.addCommits("gitlab-dev/sandbox-119", [own("Wake the oldest sandbox", new Date())]);
    gitlab.reset();
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();
    expect(projectPages()).toEqual(["1 200 conditional", "2 200 conditional"]);
    const repositories = await caller.external.repositories({ provider: "gitlab" });
    expect(repositories.map((repo) => repo.fullName).sort()).toEqual(all);
    expect(repositories.find((repo) => repo.fullName === "gitlab-dev/sandbox-119")!.pushedAt).not.toBeNull();
  });

  it("picks up new commits on the next sync, fetching details only for the new one of the account's", async () => {
    const { user, caller } = await signedUpUser("gl-new-commits");
    await connectThroughProvider(user, "gitlab");
    const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const [mine, theirs] = gitlab.addCommits("gitlab-dev/infra-scripts", [
      own("Rotate the backup keys", date, { additions: 12, deletions: 3, files: [{ filename: "backup/keys.sh" }, { filename: "backup/README.md" }, { filename: "backup/cron" }] }),
      { ...own("Priya's tweak", date), authorName: "Priya Raman", authorEmail: "priya.raman@example.com" },
    ]);
    gitlab.reset();
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();

    const infraLists = gitlab.requests.filter((request) => request.path === "/api/v4/projects/gitlab-dev%2Finfra-scripts/repository/commits");
    expect(infraLists.map((request) => request.status)).toEqual([200]); // changed, so not a 304
    const details = gitlab.requests.filter((request) => commitDetail.test(request.path));
    expect(details.map((request) => request.path)).toEqual([
      `/api/v4/projects/gitlab-dev%2Finfra-scripts/repository/commits/${mine!.sha}`,
      `/api/v4/projects/gitlab-dev%2Finfra-scripts/repository/commits/${mine!.sha}/diff`,
    ]);
    const commits = await caller.external.commits({ since: new Date(Date.now() - DAY), repository: "gitlab-dev/infra-scripts" });
    expect(commits.find((commit) => commit.sha === mine!.sha)).toMatchObject({ additions: 12, deletions: 3, files: 3, message: "Rotate the backup keys", committedAt: date.toISOString() });
    expect(commits.some((commit) => commit.sha === theirs!.sha)).toBe(false);
  });

  it("waits out a 429 for as long as Retry-After says, and retries a 502", async () => {
    const { user, caller } = await signedUpUser("gl-limits");
    await connectThroughProvider(user, "gitlab");
    gitlab.reset();
    gitlab.failNext({ ...gitlabFaults.rateLimited(1), path: "/projects" });
    gitlab.failNext({ ...gitlabFaults.serverError(502), path: commitList, times: 2 });
    const started = Date.now();
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await caller.integrations.status({ provider: "gitlab" })).state).toBe("connected");
    expect(gitlab.requests.filter((request) => request.path === "/api/v4/projects").map((request) => request.status)).toEqual([429, 304]);
    expect(gitlab.requests.filter((request) => commitList.test(request.path)).map((request) => request.status).slice(0, 3)).toEqual([502, 502, 304]);
  });

  it("pages correctly on a GitLab served under a relative URL (https://host/gitlab)", async () => {
    // A self-managed GitLab can live under a path; every next page must stay under it.
    const proxy = await startPrefixProxy("/gitlab", gitlab.url);
    try {
      const env = parseEnv({ ...process.env, GITLAB_BASE_URL: `${proxy.url}/gitlab` });
      const now = Date.now();
      gitlab.addCommits("gitlab-dev/infra-scripts", Array.from({ length: 120 }, (_, i) => own(`Script ${i}`, new Date(now - (i + 1) * 3600_000))));
      const token = gitlab.createToken({ scopes: ["read_api", "read_user"] }).accessToken;
      const account = await gitlabProvider.fetchAccount(env, token);
      const session: ProviderSession = { userId: "n/a", accessToken: token, account: { id: account.accountId, login: account.login, name: account.displayName, emails: account.emails } };
      const repository = (await gitlabProvider.listRepositories(env, session)).items.find((repo) => repo.fullName === "gitlab-dev/infra-scripts")!;
      const listed = await gitlabProvider.listCommits(env, session, repository, { since: syncWindowStart() }, null);
      expect(listed.notModified).toBe(false);
      const expected = expectedOwnCommits().filter(({ project }) => project.pathWithNamespace === "gitlab-dev/infra-scripts");
      expect(listed.notModified ? [] : listed.items.map((commit) => commit.sha).sort()).toEqual(expected.map(({ commit }) => commit.sha).sort());
      expect(gitlab.requests.some((request) => request.query.page === "2")).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe("tokens", () => {
  it("GitLab's two-hour tokens are refreshed before they expire, and the rotated refresh token is kept", async () => {
    const { user } = await signedUpUser("gl-refresh");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const owner = { userId: user.id, provider: "gitlab" };
    const connected = (await readTokens(db, owner))!;
    expect(connected.refreshToken).toBeTruthy();
    expect(connected.expiresAt!.getTime() - Date.now()).toBeGreaterThan(7200_000 - 120_000);
    expect(connected.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(7200_000);

    const fresh = gitlab.createToken({ expiresInSeconds: 60 });
    await storeTokens(db, owner, { accessToken: fresh.accessToken, refreshToken: fresh.refreshToken, expiresAt: new Date(Date.now() + 60_000) });
    gitlab.reset();
    const session = await providerSession(db, parseEnv(process.env), user.id, "gitlab");
    expect(session.accessToken).not.toBe(fresh.accessToken);
    expect(gitlab.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(["POST /oauth/token 200"]);
    const stored = (await readTokens(db, owner))!;
    expect(stored.accessToken).toBe(session.accessToken);
    expect(stored.refreshToken).not.toBe(fresh.refreshToken); // GitLab rotates refresh tokens: the old one is spent
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 7000_000);
    expect((await fetch(`${gitlab.apiUrl}/user`, { headers: { authorization: `Bearer ${session.accessToken}` } })).status).toBe(200);
    const reused = await fetch(`${gitlab.url}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: fresh.refreshToken, client_id: gitlab.oauth.clientId, client_secret: gitlab.oauth.clientSecret }),
    });
    expect(reused.status).toBe(400);
  });

  it("two jobs refreshing at once make one token request: the second waits, reads the rotated tokens and stays connected", async () => {
    const { user, caller } = await signedUpUser("gl-refresh-race");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const owner = { userId: user.id, provider: "gitlab" };
    const fresh = gitlab.createToken({ expiresInSeconds: 60 });
    await storeTokens(db, owner, { accessToken: fresh.accessToken, refreshToken: fresh.refreshToken, expiresAt: new Date(Date.now() + 60_000) });
    gitlab.reset();

    // sync-integration and process-git-push each ask for a session at the same moment.
    const env = parseEnv(process.env);
    const [first, second] = await Promise.all([providerSession(db, env, user.id, "gitlab"), providerSession(db, env, user.id, "gitlab")]);
    expect(gitlab.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(["POST /oauth/token 200"]);
    expect(second.accessToken).toBe(first.accessToken);
    expect(first.accessToken).not.toBe(fresh.accessToken);
    expect((await readTokens(db, owner))!.accessToken).toBe(first.accessToken);
    expect(await caller.integrations.status({ provider: "gitlab" })).toMatchObject({ state: "connected", lastError: null });
    expect((await fetch(`${gitlab.apiUrl}/user`, { headers: { authorization: `Bearer ${second.accessToken}` } })).status).toBe(200);
  });

  it("an expired token whose refresh is refused puts the integration in needs_reauth and says so live, without calling the API", async () => {
    const { user, caller } = await signedUpUser("gl-expired");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const owner = { userId: user.id, provider: "gitlab" };
    const tokens = (await readTokens(db, owner))!;
    gitlab.expireToken(tokens.accessToken);
    await storeTokens(db, owner, { accessToken: tokens.accessToken, refreshToken: "a-refresh-token-gitlab-never-issued", expiresAt: new Date(Date.now() - 1000) });
    gitlab.reset();

    const direct = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    await expect(providerSession(db, parseEnv(process.env), user.id, "gitlab")).rejects.toThrow(/GitLab refused the authorization \(invalid_grant: .+\)\. Reconnect GitLab to continue/);
    direct.stop();
    expect(direct.heard).toEqual([expect.objectContaining({ event: "integration:error", payload: expect.objectContaining({ provider: "gitlab", status: "needs_reauth" }) })]);
    expect(await caller.integrations.status({ provider: "gitlab" })).toMatchObject({ state: "needs_reauth", lastError: expect.stringMatching(/Reconnect GitLab/) });

    // The same through a sync job: it stops at once (no retries against a dead grant), and the API never sees the expired token.
    await db.update(integrations).set({ status: "connected" }).where(eq(integrations.userId, user.id));
    gitlab.reset();
    const viaJob = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();
    viaJob.stop();
    expect(await caller.integrations.status({ provider: "gitlab" })).toMatchObject({ state: "needs_reauth", lastError: expect.stringMatching(/Reconnect GitLab/) });
    expect(viaJob.heard.filter((message) => message.event === "integration:error").map((message) => message.payload)).toContainEqual(expect.objectContaining({ provider: "gitlab", status: "needs_reauth" }));
    expect(gitlab.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(["POST /oauth/token 400"]);
  });

  it("a token revoked at GitLab puts the integration in needs_reauth instead of retrying", async () => {
    const { user, caller } = await signedUpUser("gl-revoked");
    await connectThroughProvider(user, "gitlab");
    const tokens = (await readTokens(await getDb(), { userId: user.id, provider: "gitlab" }))!;
    gitlab.revokeToken(tokens.accessToken);
    gitlab.reset();
    await caller.integrations.sync({ provider: "gitlab" });
    await getJobRunner().idle();
    expect(await caller.integrations.status({ provider: "gitlab" })).toMatchObject({ state: "needs_reauth", lastError: expect.stringMatching(/Reconnect GitLab/) });
    expect(gitlab.requests.filter((request) => request.status === 401)).toHaveLength(1);
  });

  it("are never stored in plaintext, anywhere", async () => {
    const { user } = await signedUpUser("gl-scan");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const tokens = (await readTokens(db, { userId: user.id, provider: "gitlab" }))!;
    for (const table of schemaTableNames()) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      const text = JSON.stringify(Array.isArray(rows) ? rows : rows.rows);
      expect(text, table).not.toContain(tokens.accessToken);
      expect(text, table).not.toContain(tokens.refreshToken!);
    }
  });
});

describe("webhooks", () => {
  it("a push with the hook's X-Gitlab-Token adds the account's commits and publishes commit:new; a redelivery or a wrong token does nothing", async () => {
    const { user, caller } = await signedUpUser("gl-hook");
    await connectThroughProvider(user, "gitlab");
    const integration = await integrationOf(user.id);
    const hook = gitlab.hooks("platform-team/ci-templates").find((candidate) => candidate.url.includes(integration.id))!;
    const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
    const { heard, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    const pushed = await gitlab.deliverPush(
      "platform-team/ci-templates",
      [
        own("Live commit from a webhook\n\nwith a body", date, { additions: 3, deletions: 1, files: [{ filename: "ci/build.yml" }, { filename: "ci/test.yml" }] }),
        { ...own("A colleague's commit", date), authorName: "Priya Raman", authorEmail: "priya.raman@example.com" },
      ],
      { hookId: hook.id },
    );
    await getJobRunner().idle();
    const [delivery] = pushed.deliveries;
    expect(delivery).toMatchObject({ status: 202, url: `${app.url}/api/webhooks/gitlab?integration=${integration.id}` });
    expect(JSON.parse(delivery!.responseBody!)).toEqual({ accepted: 2 });
    const mine = pushed.commits[0]!;
    expect(heard.filter((message) => message.event === "commit:new").map((message) => message.payload)).toEqual([
      {
        provider: "gitlab",
        repository: "platform-team/ci-templates",
        sha: mine.sha,
        message: "Live commit from a webhook",
        url: `${gitlab.url}/platform-team/ci-templates/-/commit/${mine.sha}`,
        committedAt: date.toISOString(),
      },
    ]);
    const cached = await caller.external.commits({ since: new Date(Date.now() - DAY), repository: "platform-team/ci-templates" });
    expect(cached.find((commit) => commit.sha === mine.sha)).toMatchObject({ additions: 3, deletions: 1, files: 2 });
    expect(cached.some((commit) => commit.sha === pushed.commits[1]!.sha)).toBe(false);

    const replay = await gitlab.redeliver(delivery!.deliveryId);
    expect(replay.request.headers["x-gitlab-event-uuid"]).toBe(delivery!.eventUuid);
    expect(replay).toMatchObject({ status: 200, redelivery: true });
    expect(JSON.parse(replay.responseBody!)).toEqual({ duplicate: true });
    await getJobRunner().idle();
    expect(heard.filter((message) => message.event === "commit:new")).toHaveLength(1);

    const post = (headers: Record<string, string>, body = delivery!.request.body) => fetch(delivery!.url, { method: "POST", headers: { ...delivery!.request.headers, ...headers }, body });
    const forged = await post({ "x-gitlab-token": `not-${hook.token}`, "x-gitlab-event-uuid": crypto.randomUUID() }, delivery!.request.body.replace("Live commit", "Forged commit"));
    expect(forged.status).toBe(401);
    // The right token for another project (where this integration has no hook) is no good either.
    const elsewhere = await post({ "x-gitlab-event-uuid": crypto.randomUUID() }, delivery!.request.body.replaceAll("platform-team/ci-templates", "platform-team/billing-service"));
    expect(elsewhere.status).toBe(401);
    const withoutToken = Object.fromEntries(Object.entries(delivery!.request.headers).filter(([name]) => name !== "x-gitlab-token"));
    expect((await fetch(delivery!.url, { method: "POST", headers: withoutToken, body: delivery!.request.body })).status).toBe(400);
    await getJobRunner().idle();
    stop();
    expect(heard.filter((message) => message.event === "commit:new")).toHaveLength(1);
  });

  it("two users maintaining the same project each get the push (one GitLab event, one delivery per hook)", async () => {
    const alice = await signedUpUser("gl-hook-alice");
    const bob = await signedUpUser("gl-hook-bob");
    await connectThroughProvider(alice.user, "gitlab");
    await connectThroughProvider(bob.user, "gitlab");
    const heardAlice = listenRealtime(alice.user.id, { except: NOTIFICATION_TRAFFIC });
    const heardBob = listenRealtime(bob.user.id, { except: NOTIFICATION_TRAFFIC });
    const pushed = await gitlab.deliverPush("platform-team/ci-templates", [own("Shared project commit", new Date(Math.floor(Date.now() / 1000) * 1000))]);
    await getJobRunner().idle();
    heardAlice.stop();
    heardBob.stop();
    expect(pushed.deliveries).toHaveLength(2);
    expect(pushed.deliveries.map((delivery) => delivery.status)).toEqual([202, 202]);
    for (const heard of [heardAlice.heard, heardBob.heard]) {
      expect(heard.filter((message) => message.event === "commit:new").map((message) => (message.payload as { sha: string }).sha)).toEqual([pushed.commits[0]!.sha]);
    }
  });

  it("refuses bodies over 1 MB", async () => {
    const big = await fetch(`${app.url}/api/webhooks/gitlab`, { method: "POST", headers: { "x-gitlab-token": "x", "x-gitlab-event-uuid": "u" }, body: "x".repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
  });
});

describe("disconnecting and authorization", () => {
  it("revokes the grant at /oauth/revoke, removes our hooks, and deletes tokens, cache and ETags", async () => {
    const { user, caller } = await signedUpUser("gl-disconnect");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const tokens = (await readTokens(db, { userId: user.id, provider: "gitlab" }))!;
    const integration = await integrationOf(user.id);
    expect(await db.select().from(providerEtags).where(eq(providerEtags.userId, user.id))).not.toEqual([]);
    gitlab.reset();

    const result = await caller.integrations.disconnect({ provider: "gitlab" });
    expect(result).toMatchObject({ provider: "gitlab", revoked: true, webhooksRemoved: maintainedProjects().length });
    expect(gitlab.requests.filter((request) => request.path === "/oauth/revoke").map((request) => request.status)).toEqual([200]);
    expect(gitlab.requests.filter((request) => request.method === "DELETE").map((request) => request.status)).toEqual(maintainedProjects().map(() => 204));
    for (const project of gitlab.projects()) expect(gitlab.hooks(project.id).filter((hook) => hook.url.includes(integration.id)), project.pathWithNamespace).toEqual([]);
    expect((await fetch(`${gitlab.apiUrl}/user`, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).status).toBe(401);
    const refresh = await fetch(`${gitlab.url}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refreshToken!, client_id: gitlab.oauth.clientId, client_secret: gitlab.oauth.clientSecret }),
    });
    expect(refresh.status).toBe(400);
    for (const table of [integrations, integrationTokens, externalDataCache, providerEtags, integrationWebhooks]) {
      expect(await db.select().from(table).where(eq(table.userId, user.id)), String(table)).toEqual([]);
    }
    expect((await caller.integrations.status({ provider: "gitlab" })).state).toBe("available");
  });

  it("removes the hooks even when the stored two-hour token has expired since the last sync", async () => {
    const { user, caller } = await signedUpUser("gl-disconnect-late");
    await connectThroughProvider(user, "gitlab");
    const db = await getDb();
    const owner = { userId: user.id, provider: "gitlab" };
    const tokens = (await readTokens(db, owner))!;
    const integration = await integrationOf(user.id);
    // Two hours later, with no sync in between (auto-sync off): the access token is dead, the refresh token is not.
    gitlab.expireToken(tokens.accessToken);
    await storeTokens(db, owner, { ...tokens, expiresAt: new Date(Date.now() - 60_000) });

    const result = await caller.integrations.disconnect({ provider: "gitlab" });
    expect(result).toMatchObject({ revoked: true, webhooksRemoved: maintainedProjects().length });
    for (const project of gitlab.projects()) expect(gitlab.hooks(project.id).filter((hook) => hook.url.includes(integration.id)), project.pathWithNamespace).toEqual([]);
  });

  it("one user never sees or touches another's GitLab integration, projects or commits", async () => {
    const alice = await signedUpUser("gl-alice");
    const bob = await signedUpUser("gl-bob");
    await connectThroughProvider(alice.user, "gitlab");
    expect(await bob.caller.external.repositories({})).toEqual([]);
    expect(await bob.caller.external.commits({ since: new Date(Date.now() - 30 * DAY) })).toEqual([]);
    expect((await bob.caller.integrations.status({ provider: "gitlab" })).state).toBe("available");
    await expect(errorOf(() => bob.caller.integrations.disconnect({ provider: "gitlab" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => bob.caller.integrations.sync({ provider: "gitlab" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    expect((await alice.caller.integrations.status({ provider: "gitlab" })).state).toBe("connected");
    expect((await alice.caller.external.commits({ since: new Date(Date.now() - 30 * DAY), limit: 5000 })).length).toBe(expectedOwnCommits().length);
    // Bob's state for Alice's callback is refused.
    const { authorizationUrl } = await bob.caller.integrations.connect({ provider: "gitlab", consent: true });
    const consent = await fetch(authorizationUrl, { redirect: "manual" });
    const stolen = await fetch(consent.headers.get("location")!, { redirect: "manual", headers: { cookie: await sessionCookieFor(alice.user) } });
    expect(new URL(stolen.headers.get("location")!).searchParams.get("error")).toMatch(/started by another account/);
    expect((await bob.caller.integrations.status({ provider: "gitlab" })).state).toBe("available");
  });
});

/** A reverse proxy serving `target` under `prefix`, as a GitLab with a relative URL root is served. */
async function startPrefixProxy(prefix: string, target: string) {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        if (!req.url?.startsWith(`${prefix}/`)) return res.writeHead(404, { "content-type": "text/plain" }).end("outside the relative URL root");
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && name !== "host") headers.set(name, value);
        const upstream = await fetch(`${target}${req.url.slice(prefix.length)}`, { method: req.method, headers, body: req.method === "GET" ? undefined : Buffer.concat(chunks) });
        const out: Record<string, string> = {};
        upstream.headers.forEach((value, name) => {
          if (!["content-encoding", "content-length", "transfer-encoding", "connection"].includes(name)) out[name] = value;
        });
        res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
