import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import { receiveGitLabWebhook } from "./webhook";
import { conditionalHeaders, conditionalPages, noPageStore, validatorsFrom, type PageAnswer } from "../conditional";
import type { GitProvider, ProviderSession, Repository } from "../provider";
import { resilientFetch, withCircuitBreaker } from "../resilience";
import { toCommit, toRepository, type GitLabCommit, type GitLabProject } from "./transform";

const PER_PAGE = 100;

const webBase = (env: Env) => env.GITLAB_BASE_URL.replace(/\/+$/, "");
const api = (env: Env, path: string) => `${webBase(env)}/api/v4${path}`;

/** One GitLab REST call behind the circuit breaker, with the shared rate-limit and retry policy. */
function gitlabFetch(env: Env, session: Pick<ProviderSession, "accessToken">, path: string, init: RequestInit = {}) {
  return gitlabFetchUrl(session, api(env, path), init);
}

function gitlabFetchUrl(session: Pick<ProviderSession, "accessToken">, url: string, init: RequestInit = {}) {
  return withCircuitBreaker("gitlab", () =>
    resilientFetch("gitlab", url, {
      ...init,
      headers: { accept: "application/json", authorization: `Bearer ${session.accessToken}`, ...(init.headers as Record<string, string>) },
    }),
  );
}

/**
 * The next page's URL from `x-next-page` (empty on the last page), built on the request's own
 * URL, so a GitLab under a relative URL root (https://host/gitlab) keeps its prefix.
 */
function nextPageUrl(url: string, response: Response): string | null {
  const next = response.headers.get("x-next-page");
  if (!next) return null;
  const target = new URL(url);
  target.searchParams.set("page", next);
  return target.toString();
}

/** Follows `x-next-page` to the end. */
async function allPages<T>(env: Env, session: ProviderSession, path: string, first?: Response): Promise<T[]> {
  const items: T[] = [];
  let url: string | null = api(env, path);
  let response = first ?? (await gitlabFetchUrl(session, url));
  for (;;) {
    items.push(...((await response.json()) as T[]));
    url = nextPageUrl(url, response);
    if (!url) return items;
    response = await gitlabFetchUrl(session, url);
  }
}

const projectPath = (fullName: string) => `/projects/${encodeURIComponent(fullName)}`;

export const gitlab: GitProvider = {
  id: "gitlab",
  name: providerName("gitlab"),
  kind: "git",
  webUrl: webBase,

  configuration(env: Env) {
    if (!env.GITLAB_CLIENT_ID || !env.GITLAB_CLIENT_SECRET) return { ok: false, missing: ["GITLAB_CLIENT_ID", "GITLAB_CLIENT_SECRET"] };
    return {
      ok: true,
      oauth: {
        clientId: env.GITLAB_CLIENT_ID,
        clientSecret: env.GITLAB_CLIENT_SECRET,
        authorizeUrl: `${webBase(env)}/oauth/authorize`,
        tokenUrl: `${webBase(env)}/oauth/token`,
        scopeSeparator: " ",
        pkce: true,
        scopes: [
          { scope: "read_user", why: "Read your profile, to show which GitLab account is connected." },
          { scope: "read_api", why: "Read your projects and their commits. Nothing is ever written through this scope." },
          { scope: "api", why: "Add a push webhook to projects you maintain, so new commits arrive live; removed when you disconnect (GitLab has no narrower scope for hooks)." },
        ],
      },
    };
  },

  async fetchAccount(env, accessToken) {
    const response = await gitlabFetch(env, { accessToken }, "/user");
    const user = (await response.json()) as { id: number; username: string; name?: string; email?: string; public_email?: string; commit_email?: string };
    const emails = [...new Set([user.email, user.public_email, user.commit_email].filter((email): email is string => Boolean(email)))];
    return { accountId: String(user.id), login: user.username, displayName: user.name ?? null, emails };
  },

  async revoke(env, tokens) {
    if (!env.GITLAB_CLIENT_ID || !env.GITLAB_CLIENT_SECRET) return;
    await withCircuitBreaker("gitlab", () =>
      resilientFetch("gitlab", `${webBase(env)}/oauth/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: tokens.accessToken, client_id: env.GITLAB_CLIENT_ID!, client_secret: env.GITLAB_CLIENT_SECRET! }),
      }),
    );
  },

  // GitLab answers If-None-Match on its REST lists with weak ETags (Rack::ETag and
  // Rack::ConditionalGet): a 304 saves the transfer, not the request (it still counts
  // against the rate limit, unlike GitHub's). Its list endpoints send no Last-Modified.
  async listRepositories(env, session, pages = noPageStore) {
    const first = api(env, `/projects?membership=true&simple=false&order_by=last_activity_at&per_page=${PER_PAGE}`);
    return conditionalPages(first, pages, async (url, headers): Promise<PageAnswer<Repository>> => {
      const response = await gitlabFetchUrl(session, url, { headers });
      if (response.status === 304) return { notModified: true };
      return { notModified: false, items: ((await response.json()) as GitLabProject[]).map(toRepository), next: nextPageUrl(url, response), ...validatorsFrom(response.headers) };
    });
  },

  async listCommits(env, session, repository, range, known) {
    const query = new URLSearchParams({ since: range.since, with_stats: "true", per_page: String(PER_PAGE) });
    if (range.until) query.set("until", range.until);
    const path = `${projectPath(repository.fullName)}/repository/commits?${query}`;
    const url = api(env, path);
    const first = await gitlabFetchUrl(session, url, { headers: conditionalHeaders((await known?.(url)) ?? null) });
    if (first.status === 304) return { notModified: true };
    const validators = validatorsFrom(first.headers);
    const commits = await allPages<GitLabCommit>(env, session, path, first);
    // GitLab has no "by this user" filter (its author filter matches free text), so keep the account's own commits here.
    const emails = new Set(session.account.emails.map((email) => email.toLowerCase()));
    const own = commits.filter((commit) => emails.has((commit.author_email ?? "").toLowerCase()) || (session.account.name !== null && commit.author_name === session.account.name));
    return { notModified: false, items: own.map((commit) => toCommit(repository.fullName, commit)), url, validators };
  },

  async commitStats(env, session, repository, sha) {
    const commit = (await (await gitlabFetch(env, session, `${projectPath(repository.fullName)}/repository/commits/${sha}`)).json()) as GitLabCommit;
    // The diff endpoint is paginated like any list: a commit touching more than a page of files is counted to the last page.
    const diff = await allPages<unknown>(env, session, `${projectPath(repository.fullName)}/repository/commits/${sha}/diff?per_page=${PER_PAGE}`);
    return { additions: commit.stats?.additions ?? 0, deletions: commit.stats?.deletions ?? 0, files: diff.length };
  },

  async createWebhook(env, session, repository, hook) {
    if (repository.permission !== "admin") return null;
    // Ours already (an earlier try created it, then died before recording it): GitLab would add a second one.
    const hooks = await allPages<{ id: number; url: string }>(env, session, `${projectPath(repository.fullName)}/hooks?per_page=${PER_PAGE}`);
    const existing = hooks.find((candidate) => candidate.url === hook.url);
    if (existing) return { hookId: String(existing.id) };
    const response = await gitlabFetch(env, session, `${projectPath(repository.fullName)}/hooks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: hook.url, push_events: true, token: hook.secret, enable_ssl_verification: true }),
    });
    return { hookId: String(((await response.json()) as { id: number }).id) };
  },

  async removeWebhook(env, session, repository, hookId) {
    await gitlabFetch(env, session, `${projectPath(repository)}/hooks/${hookId}`, { method: "DELETE" });
  },

  receiveWebhook: receiveGitLabWebhook,
};
