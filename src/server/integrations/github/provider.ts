import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import { receiveGitHubWebhook } from "./webhook";
import { conditionalHeaders, conditionalPages, noPageStore, validatorsFrom, type PageAnswer } from "../conditional";
import type { GitProvider, Repository } from "../provider";
import { withCircuitBreaker } from "../resilience";
import { githubClient, githubError, isNotModified } from "./api";
import { toCommit, toRepository, toStats } from "./transform";

const PER_PAGE = 100;

/** Calls GitHub behind the circuit breaker, translating its errors. */
const call = <T>(operation: () => Promise<T>) =>
  withCircuitBreaker("github", async () => {
    try {
      return await operation();
    } catch (error) {
      throw githubError(error);
    }
  });

/** The rel="next" URL of a Link header (absolute, as GitHub sends it). */
const nextLink = (link: string | undefined) => /<([^<>]+)>;\s*rel="next"/.exec(link ?? "")?.[1] ?? null;

const splitFullName = (fullName: string) => {
  const [owner, repo] = fullName.split("/") as [string, string];
  return { owner, repo };
};

export const github: GitProvider = {
  id: "github",
  name: providerName("github"),
  kind: "git",
  webUrl: (env) => env.GITHUB_BASE_URL.replace(/\/+$/, ""),

  configuration(env: Env) {
    if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) return { ok: false, missing: ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"] };
    const web = env.GITHUB_BASE_URL.replace(/\/+$/, "");
    return {
      ok: true,
      oauth: {
        clientId: env.GITHUB_CLIENT_ID,
        clientSecret: env.GITHUB_CLIENT_SECRET,
        authorizeUrl: `${web}/login/oauth/authorize`,
        tokenUrl: `${web}/login/oauth/access_token`,
        scopeSeparator: " ",
        pkce: true,
        scopes: [
          { scope: "read:user", why: "Read your profile, to show which GitHub account is connected." },
          { scope: "repo", why: "Read commits in your private repositories (GitHub has no read-only scope for private code). Nothing is ever written." },
          { scope: "admin:repo_hook", why: "Add a push webhook to repositories you administer, so new commits arrive live; removed when you disconnect." },
        ],
      },
    };
  },

  async fetchAccount(env, accessToken) {
    const { data } = await call(() => githubClient(env, accessToken).rest.users.getAuthenticated());
    return { accountId: String(data.id), login: data.login, displayName: data.name ?? null, emails: data.email ? [data.email] : [] };
  },

  async revoke(env, tokens) {
    if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) return;
    const basic = Buffer.from(`${env.GITHUB_CLIENT_ID}:${env.GITHUB_CLIENT_SECRET}`).toString("base64");
    await call(() =>
      githubClient(env).request("DELETE /applications/{client_id}/grant", {
        client_id: env.GITHUB_CLIENT_ID!,
        access_token: tokens.accessToken,
        headers: { authorization: `basic ${basic}` },
      }),
    );
  },

  async listRepositories(env, session, pages = noPageStore) {
    const client = githubClient(env, session.accessToken);
    const first = client.request.endpoint("GET /user/repos", { per_page: PER_PAGE, sort: "pushed" }).url;
    // Each page is one call behind the breaker; the page store (our database) stays outside it.
    return conditionalPages(first, pages, (url, headers) =>
      call(async (): Promise<PageAnswer<Repository>> => {
        try {
          const response = await client.request({ method: "GET", url, headers });
          return { notModified: false, items: (response.data as Parameters<typeof toRepository>[0][]).map(toRepository), next: nextLink(response.headers.link), ...validatorsFrom(response.headers) };
        } catch (error) {
          if (isNotModified(error)) return { notModified: true };
          throw error;
        }
      }),
    );
  },

  async listCommits(env, session, repository, range, known) {
    const client = githubClient(env, session.accessToken);
    const params = {
      ...splitFullName(repository.fullName),
      ...(session.account.login ? { author: session.account.login } : {}),
      since: range.since,
      ...(range.until ? { until: range.until } : {}),
      per_page: PER_PAGE,
    };
    const url = client.request.endpoint("GET /repos/{owner}/{repo}/commits", { ...params, page: 1 }).url;
    const headers = conditionalHeaders((await known?.(url)) ?? null);
    return call(async () => {
      let first;
      try {
        first = await client.rest.repos.listCommits({ ...params, page: 1, headers });
      } catch (error) {
        if (isNotModified(error)) return { notModified: true as const };
        throw error;
      }
      const items = first.data.map((commit) => toCommit(repository.fullName, commit));
      if (nextLink(first.headers.link)) {
        for await (const page of client.paginate.iterator(client.rest.repos.listCommits, { ...params, page: 2 })) {
          items.push(...page.data.map((commit) => toCommit(repository.fullName, commit)));
        }
      }
      return { notModified: false as const, items, url, validators: validatorsFrom(first.headers) };
    });
  },

  async commitStats(env, session, repository, sha) {
    const { data } = await call(() => githubClient(env, session.accessToken).rest.repos.getCommit({ ...splitFullName(repository.fullName), ref: sha }));
    return toStats(data);
  },

  async createWebhook(env, session, repository, hook) {
    if (repository.permission !== "admin") return null;
    const client = githubClient(env, session.accessToken);
    // Ours already (an earlier try created it, then died before recording it): GitHub would refuse a second one.
    const hooks = await call(() => client.paginate(client.rest.repos.listWebhooks, { ...splitFullName(repository.fullName), per_page: PER_PAGE }));
    const existing = hooks.find((candidate) => candidate.config.url === hook.url);
    if (existing) return { hookId: String(existing.id) };
    const { data } = await call(() =>
      client.rest.repos.createWebhook({
        ...splitFullName(repository.fullName),
        name: "web",
        active: true,
        events: ["push"],
        config: { url: hook.url, content_type: "json", secret: hook.secret, insecure_ssl: "0" },
      }),
    );
    return { hookId: String(data.id) };
  },

  async removeWebhook(env, session, repository, hookId) {
    await call(() => githubClient(env, session.accessToken).rest.repos.deleteWebhook({ ...splitFullName(repository), hook_id: Number(hookId) }));
  },

  receiveWebhook: receiveGitHubWebhook,
};
