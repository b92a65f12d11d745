import { createHash, randomBytes } from "node:crypto";
import { type DoubleRequest, type DoubleResponse, clampPerPage, credentialFrom, etagMatches, json, jsonBody, linkHeader, noContent, pageNumber } from "../shared/http";
import type { GitHubData, StoredCommit, StoredRepo } from "./data";
import type { GitHubOAuth, GitHubTokenRecord } from "./oauth";
import type { GitHubHooks, HookInput } from "./webhooks";

/**
 * GitHub's REST API (v3, as served under /api/v3 by GitHub Enterprise Server):
 * authentication, the primary rate limit, conditional requests, Link pagination and the
 * endpoints the app uses. Error bodies are GitHub's: { message, documentation_url, status }.
 */
const DOCS = "https://docs.github.com/rest";
const RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

export const githubError = (status: number, message: string, documentationUrl = DOCS, extra: Record<string, unknown> = {}) =>
  json(status, { message, documentation_url: documentationUrl, status: String(status), ...extra });

/** GitHub's default body for an injected fault with only a status. */
export function githubFaultBody(status: number): DoubleResponse {
  const messages: Record<number, string> = {
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    422: "Validation Failed",
    429: "API rate limit exceeded",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
  };
  return githubError(status, messages[status] ?? "Error");
}

/**
 * Ready-made faults, GitHub's own answers: `double.failNext({ path: "/user", ...githubFaults.secondaryRateLimit(1) })`.
 */
export const githubFaults = {
  /** 403 + retry-after: what the throttling plugin's onSecondaryRateLimit reacts to. */
  secondaryRateLimit: (retryAfterSeconds = 60, status: 403 | 429 = 403) => ({
    status,
    headers: { "retry-after": String(retryAfterSeconds) },
    body: {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0C3A:2F1B:8D1E7F:91A2B3:67A1B2C3.",
      documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      status: String(status),
    },
  }),
  /** 403 with x-ratelimit-remaining: 0 (prefer setRateLimit({ remaining: 0 }) to exhaust the real counter). */
  primaryRateLimit: (resetAt: Date, userId = 0) => ({
    status: 403,
    headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(resetAt.getTime() / 1000)) },
    body: { message: `API rate limit exceeded for user ID ${userId}.`, documentation_url: RATE_DOCS, status: "403" },
  }),
  serverError: (status: 500 | 502 | 503 | 504 = 502) => ({ status }),
  networkError: () => ({ networkError: true as const }),
};

/** The primary (core) rate limit: `limit` requests per hour per user; a 304 is free. */
export class GitHubRateLimit {
  used = 0;
  reset = 0;
  constructor(
    public limit: number,
    private readonly now: () => number,
  ) {}

  private roll() {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (nowSeconds >= this.reset) {
      this.used = 0;
      this.reset = nowSeconds + 3600;
    }
  }
  get remaining(): number {
    this.roll();
    return Math.max(0, this.limit - this.used);
  }
  consume() {
    this.roll();
    this.used += 1;
  }
  set(options: { remaining?: number; resetAt?: Date | number; limit?: number }) {
    this.roll();
    if (options.limit !== undefined) this.limit = options.limit;
    if (options.remaining !== undefined) this.used = this.limit - options.remaining;
    if (options.resetAt !== undefined) this.reset = typeof options.resetAt === "number" ? options.resetAt : Math.floor(options.resetAt.getTime() / 1000);
  }
  restore() {
    this.used = 0;
    this.reset = 0;
  }
  headers(): Record<string, string> {
    const remaining = this.remaining;
    return {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": String(this.reset),
      "x-ratelimit-used": String(this.limit - remaining),
      "x-ratelimit-resource": "core",
    };
  }
}

/** Scope implications of OAuth app scopes (repo ⊃ public_repo, admin:repo_hook ⊃ write ⊃ read…). */
const IMPLIED: Record<string, string[]> = {
  repo: ["public_repo", "repo:status", "repo_deployment", "repo:invite", "security_events", "write:repo_hook", "read:repo_hook"],
  "admin:repo_hook": ["write:repo_hook", "read:repo_hook"],
  "write:repo_hook": ["read:repo_hook"],
  user: ["read:user", "user:email", "user:follow"],
};
export function hasScope(record: GitHubTokenRecord, ...accepted: string[]): boolean {
  const granted = new Set(record.scopes.flatMap((s) => [s, ...(IMPLIED[s] ?? [])]));
  return accepted.some((s) => granted.has(s));
}

export function commonHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(10).toString("hex").toUpperCase();
  return {
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
    "x-github-enterprise-version": "3.17.0",
    "x-github-request-id": `${id.slice(0, 4)}:${id.slice(4, 9)}:${id.slice(9, 15)}:${id.slice(15)}`,
    "x-content-type-options": "nosniff",
    vary: "Accept, Authorization, Cookie, X-GitHub-OTP",
    ...extra,
  };
}

type Ctx = { data: GitHubData; oauth: GitHubOAuth; hooks: GitHubHooks; rate: GitHubRateLimit; apiUrl: string; now: () => number };

export async function handleApi(ctx: Ctx, req: DoubleRequest, path: string): Promise<DoubleResponse> {
  const respond = (response: DoubleResponse, extra: Record<string, string> = {}) => ({ ...response, headers: { ...commonHeaders(extra), ...response.headers } });

  if (req.method === "GET" && (path === "/" || path === "")) {
    return respond(json(200, { current_user_url: `${ctx.apiUrl}/user`, repository_url: `${ctx.apiUrl}/repos/{owner}/{repo}`, rate_limit_url: `${ctx.apiUrl}/rate_limit` }));
  }
  const app = /^\/applications\/([^/]+)\/(grant|token)$/.exec(path);
  if (app) return respond(applications(ctx, req, decodeURIComponent(app[1]!), app[2] as "grant" | "token"));

  const token = credentialFrom(req.headers, ["token", "bearer"]);
  if (!token) return respond(githubError(401, "Requires authentication", `${DOCS}/users/users#get-the-authenticated-user`));
  const record = ctx.oauth.usable(token);
  if (!record) return respond(githubError(401, "Bad credentials"));
  const scopeHeaders = { "x-oauth-scopes": record.scopes.join(", ") };

  if (req.method === "GET" && path === "/rate_limit") {
    const core = { limit: ctx.rate.limit, remaining: ctx.rate.remaining, reset: ctx.rate.reset, used: ctx.rate.limit - ctx.rate.remaining, resource: "core" };
    const other = (limit: number, resource: string) => ({ limit, remaining: limit, reset: ctx.rate.reset, used: 0, resource });
    return respond(json(200, { resources: { core, search: other(30, "search"), graphql: other(5000, "graphql") }, rate: core }), { ...scopeHeaders, ...ctx.rate.headers() });
  }

  if (ctx.rate.remaining <= 0) {
    return respond(githubError(403, `API rate limit exceeded for user ID ${ctx.data.user.id}.`, RATE_DOCS), { ...scopeHeaders, ...ctx.rate.headers() });
  }

  const response = await route(ctx, req, path, record);
  if (req.method === "GET" && response.status === 200 && response.body !== undefined) {
    const etag = `"${createHash("sha256").update(`${ctx.data.user.id}:${response.body}`).digest("hex")}"`;
    const cache = { etag, "cache-control": "private, max-age=60, s-maxage=60" };
    if (etagMatches(req.headers["if-none-match"], etag)) {
      // A 304 does not count against the primary rate limit.
      return respond({ status: 304, headers: { ...cache, ...(response.headers?.["x-accepted-oauth-scopes"] ? { "x-accepted-oauth-scopes": response.headers["x-accepted-oauth-scopes"] } : {}) } }, { ...scopeHeaders, ...ctx.rate.headers() });
    }
    ctx.rate.consume();
    return respond({ ...response, headers: { ...response.headers, ...cache } }, { ...scopeHeaders, ...ctx.rate.headers() });
  }
  ctx.rate.consume();
  return respond(response, { ...scopeHeaders, ...ctx.rate.headers() });
}

function applications(ctx: Ctx, req: DoubleRequest, clientId: string, what: "grant" | "token"): DoubleResponse {
  if (!ctx.oauth.clientAuthenticated(req, clientId)) return githubError(404, "Not Found", `${DOCS}/apps/oauth-applications`);
  const body = jsonBody<{ access_token?: string }>(req);
  const accessToken = body?.access_token;
  if (!accessToken) {
    return githubError(422, "Invalid request.\n\n\"access_token\" wasn't supplied.", `${DOCS}/apps/oauth-applications`);
  }
  if (req.method === "DELETE") return ctx.oauth.revoke(accessToken, what === "grant") ? noContent() : githubError(404, "Not Found", `${DOCS}/apps/oauth-applications`);
  if (req.method === "POST" && what === "token") {
    const record = ctx.oauth.usable(accessToken);
    if (!record) return githubError(404, "Not Found", `${DOCS}/apps/oauth-applications#check-a-token`);
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    return json(200, {
      id: Number.parseInt(createHash("sha1").update(accessToken).digest("hex").slice(0, 8), 16),
      url: `${ctx.apiUrl}/authorizations/1`,
      app: { client_id: ctx.oauth.client.clientId, name: ctx.oauth.client.appName, url: ctx.oauth.client.callbackUrls[0] ?? "" },
      token: accessToken,
      hashed_token: createHash("sha256").update(accessToken).digest("hex"),
      token_last_eight: accessToken.slice(-8),
      note: null,
      note_url: null,
      created_at: iso(record.createdAt),
      updated_at: iso(record.createdAt),
      scopes: record.scopes,
      fingerprint: null,
      expires_at: record.expiresAt === null ? null : iso(record.expiresAt),
      user: ctx.data.simpleUser(ctx.data.user),
    });
  }
  return githubError(404, "Not Found");
}

async function route(ctx: Ctx, req: DoubleRequest, path: string, token: GitHubTokenRecord): Promise<DoubleResponse> {
  const { data } = ctx;
  const get = req.method === "GET";
  if (get && path === "/user") return json(200, data.authenticatedUser());
  if (get && path === "/user/emails") {
    if (!hasScope(token, "user:email")) return githubError(404, "Not Found", `${DOCS}/users/emails#list-email-addresses-for-the-authenticated-user`, {});
    return json(200, data.user.email ? [{ email: data.user.email, primary: true, verified: true, visibility: "private" }] : [], { "x-accepted-oauth-scopes": "user, user:email" });
  }
  if (get && path === "/user/repos") return listRepos(ctx, req, token);

  const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!repoMatch) return githubError(404, "Not Found");
  const repo = data.repo(decodeURIComponent(repoMatch[1]!), decodeURIComponent(repoMatch[2]!));
  const rest = repoMatch[3] ?? "";
  // Private repositories are invisible (404, never 403) without the repo scope.
  if (!repo || (repo.private && !hasScope(token, "repo"))) return githubError(404, "Not Found", `${DOCS}/repos/repos#get-a-repository`);
  const accepted = { "x-accepted-oauth-scopes": "repo" };

  if (get && rest === "") return json(200, data.repository(repo), accepted);
  if (get && rest === "/commits") return listCommits(ctx, req, repo);
  const commitMatch = /^\/commits\/(.+)$/.exec(rest);
  if (get && commitMatch) {
    const ref = decodeURIComponent(commitMatch[1]!);
    const commit = findCommit(repo, ref);
    if (!commit) {
      if (repo.commits.length === 0) return githubError(409, "Git Repository is empty.", `${DOCS}/commits/commits#get-a-commit`);
      return githubError(422, `No commit found for SHA: ${ref}`, `${DOCS}/commits/commits#get-a-commit`);
    }
    return json(200, data.commitDetail(repo, commit), accepted);
  }

  const hookMatch = /^\/hooks(?:\/(\d+))?(\/pings)?$/.exec(rest);
  if (hookMatch) {
    const hookScopes = { "x-accepted-oauth-scopes": "admin:repo_hook, read:repo_hook, repo, write:repo_hook" };
    const needed = get ? ["read:repo_hook"] : req.method === "DELETE" ? ["admin:repo_hook", "repo"] : ["write:repo_hook"];
    // Without admin on the repository (or the hook scopes) GitHub answers 404.
    if (!repo.permissions.admin || !hasScope(token, ...needed)) return githubError(404, "Not Found", `${DOCS}/repos/webhooks`);
    const id = hookMatch[1] ? Number(hookMatch[1]) : null;
    if (id === null && get) return json(200, ctx.hooks.list(repo).map((hook) => ctx.hooks.json(repo, hook)), hookScopes);
    if (id === null && req.method === "POST") {
      const body = jsonBody<HookInput>(req);
      if (!body || typeof body !== "object") return githubError(400, "Problems parsing JSON", `${DOCS}/repos/webhooks#create-a-repository-webhook`);
      const created = ctx.hooks.create(repo, body);
      if ("errors" in created) return githubError(422, "Validation Failed", `${DOCS}/repos/webhooks#create-a-repository-webhook`, { errors: created.errors });
      return json(201, ctx.hooks.json(repo, created), { ...hookScopes, location: `${ctx.apiUrl}/repos/${repo.fullName}/hooks/${created.id}` });
    }
    const hook = id === null ? undefined : ctx.hooks.get(repo, id);
    if (!hook) return githubError(404, "Not Found", `${DOCS}/repos/webhooks`);
    if (get && !hookMatch[2]) return json(200, ctx.hooks.json(repo, hook), hookScopes);
    if (req.method === "DELETE" && !hookMatch[2]) {
      ctx.hooks.remove(repo, hook.id);
      return noContent(hookScopes);
    }
    if (req.method === "POST" && hookMatch[2]) {
      void ctx.hooks.ping(repo, hook);
      return noContent(hookScopes);
    }
  }
  return githubError(404, "Not Found");
}

function findCommit(repo: StoredRepo, ref: string): StoredCommit | undefined {
  if (ref === repo.defaultBranch || ref === "HEAD") return repo.commits[0];
  if (!/^[0-9a-f]{4,40}$/i.test(ref)) return undefined;
  return repo.commits.find((c) => c.sha.startsWith(ref.toLowerCase()));
}

function paginate<T>(ctx: Ctx, req: DoubleRequest, items: T[], defaultPerPage = 30) {
  const perPage = clampPerPage(req.query.get("per_page"), defaultPerPage);
  const page = pageNumber(req.query.get("page"));
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const base = new URL(`${new URL(ctx.apiUrl).origin}${req.path}${req.url.search}`);
  const pages: Partial<Record<"prev" | "next" | "first" | "last", number>> = {};
  if (page > 1) {
    pages.prev = Math.min(page - 1, last);
    pages.first = 1;
  }
  if (page < last) {
    pages.next = page + 1;
    pages.last = last;
  }
  const link = linkHeader(base, pages, ["prev", "next", "last", "first"]);
  return { slice: items.slice((page - 1) * perPage, page * perPage), headers: link ? { link } : ({} as Record<string, string>) };
}

function listRepos(ctx: Ctx, req: DoubleRequest, token: GitHubTokenRecord): DoubleResponse {
  const q = req.query;
  const docs = `${DOCS}/repos/repos#list-repositories-for-the-authenticated-user`;
  if (q.has("type") && (q.has("visibility") || q.has("affiliation"))) {
    return githubError(422, "If you specify visibility or affiliation, you cannot specify type.", docs, { errors: [{ resource: "Search", field: "q", code: "invalid" }] });
  }
  const user = ctx.data.user;
  const affiliationOf = (repo: StoredRepo) => (repo.owner === user ? "owner" : repo.owner.type === "Organization" ? "organization_member" : "collaborator");
  const affiliations = new Set((q.get("affiliation") ?? "owner,collaborator,organization_member").split(",").map((s) => s.trim()));
  const visibility = q.get("visibility") ?? "all";
  const type = q.get("type") ?? "all";
  let repos = ctx.data
    .allRepos()
    .filter((repo) => !repo.private || hasScope(token, "repo"))
    .filter((repo) => affiliations.has(affiliationOf(repo)))
    .filter((repo) => visibility === "all" || (visibility === "private") === repo.private)
    .filter((repo) => {
      if (type === "owner") return repo.owner === user;
      if (type === "public") return !repo.private;
      if (type === "private") return repo.private;
      if (type === "member") return repo.owner !== user;
      return true;
    });
  const sort = q.get("sort") ?? "full_name";
  const direction = q.get("direction") ?? (sort === "full_name" ? "asc" : "desc");
  const key = (repo: StoredRepo): string => {
    const pushed = repo.commits[0]?.date.toISOString() ?? repo.createdAt;
    if (sort === "created") return repo.createdAt;
    if (sort === "updated" || sort === "pushed") return pushed;
    return repo.fullName.toLowerCase();
  };
  repos = repos.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (direction === "desc") repos.reverse();
  const { slice, headers } = paginate(ctx, req, repos);
  return json(200, slice.map((repo) => ctx.data.repository(repo)), { ...headers, "x-accepted-oauth-scopes": "" });
}

function listCommits(ctx: Ctx, req: DoubleRequest, repo: StoredRepo): DoubleResponse {
  const q = req.query;
  const docs = `${DOCS}/commits/commits#list-commits`;
  if (repo.commits.length === 0) return githubError(409, "Git Repository is empty.", docs);
  let commits = repo.commits;
  const start = q.get("sha");
  if (start) {
    const from = findCommit(repo, start);
    if (!from) return githubError(404, "Not Found", docs);
    commits = commits.slice(commits.indexOf(from));
  }
  const byPerson = (value: string | null) => (commit: StoredCommit) => {
    if (!value) return true;
    if (value.includes("@")) return commit.authorEmail.toLowerCase() === value.toLowerCase();
    return commit.authorLogin?.toLowerCase() === value.toLowerCase();
  };
  const time = (value: string | null) => {
    if (!value) return null;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  };
  const since = time(q.get("since"));
  const until = time(q.get("until"));
  const path = q.get("path");
  commits = commits
    .filter(byPerson(q.get("author")))
    .filter(byPerson(q.get("committer")))
    .filter((c) => since === null || c.date.getTime() >= since)
    .filter((c) => until === null || c.date.getTime() <= until)
    .filter((c) => !path || c.files.some((f) => f.filename === path || f.filename.startsWith(`${path.replace(/\/$/, "")}/`)));
  const { slice, headers } = paginate(ctx, req, commits);
  return json(200, slice.map((commit) => ctx.data.commitListItem(repo, commit)), { ...headers, "x-accepted-oauth-scopes": "" });
}
