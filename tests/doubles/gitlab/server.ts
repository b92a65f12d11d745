import { avatarSvg } from "../shared/avatar";
import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, faultAnswer, html, type LoggedRequest, serve } from "../shared/http";
import { errorPage } from "../shared/oauth";
import { commonHeaders, GitLabRateLimit, gitlabFaultBody, handleApi } from "./api";
export { gitlabFaults } from "./api";
import { GitLabData, type GitLabSeed, type GitLabSeedCommit } from "./data";
import { gitlabDemoSeed } from "./demo";
export { gitlabDemoSeed } from "./demo";
import { GitLabOAuth } from "./oauth";
import { type GitLabDelivery, GitLabHooks, type GitLabPushResult } from "./webhooks";

export type { AccessLevel, GitLabSeed, GitLabSeedCommit, GitLabSeedProject } from "./data";
export type { GitLabDelivery, GitLabPushResult } from "./webhooks";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of a GitLab instance (GITLAB_BASE_URL=<url>): OAuth under /oauth,
 * REST API v4 under /api/v4, push webhooks. See oauth.ts, api.ts and webhooks.ts for
 * what each part reproduces.
 */
export type GitLabDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Exact redirect URIs registered for the application (default: the app's integration callback on http://localhost:3000). */
  redirectUris?: string[];
  /** Scopes the application may request (default: api, read_api, read_user, read_repository, openid, profile, email). */
  scopes?: string[];
  appName?: string;
  autoApprove?: boolean;
  /** Access token lifetime (default 7200 s, GitLab's). */
  accessTokenTtlSeconds?: number;
  /** Authenticated API requests per user per minute (default 2000). */
  rateLimitPerMinute?: number;
  seed?: GitLabSeed;
  demoAnchor?: Date;
  webhookTimeoutMs?: number;
};

export const GITLAB_DOUBLE_DEFAULTS = {
  clientId: "3f6c2a9e81d4b7c05e2f9a1d6b8c4e7f0a3d5c9b2e8f1a4d7c6b9e2f5a8d1c4e",
  clientSecret: "gloas-8e1d4c7b0a3f6e9d2c5b8a1f4e7d0c3b6a9f2e5d8c1b4a7f0e3d6c9b2a5f8e1d",
  redirectUris: ["http://localhost:3000/api/integrations/gitlab/callback"],
  scopes: ["api", "read_api", "read_user", "read_repository", "openid", "profile", "email"],
  appName: "DevPulse Cloud",
} as const;

export async function startGitLabDouble(options: GitLabDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { web: "" };
  const data = new GitLabData(urls);
  const rate = new GitLabRateLimit(options.rateLimitPerMinute ?? 2000, now);
  const ttl = options.accessTokenTtlSeconds ?? 7200;
  const oauth = new GitLabOAuth(
    {
      clientId: options.clientId ?? GITLAB_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? GITLAB_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? GITLAB_DOUBLE_DEFAULTS.redirectUris)],
      scopes: [...(options.scopes ?? GITLAB_DOUBLE_DEFAULTS.scopes)],
      appName: options.appName ?? GITLAB_DOUBLE_DEFAULTS.appName,
    },
    ttl,
    options.autoApprove ?? false,
    { now, account: () => ({ login: data.user.username, name: data.user.name }), userId: () => data.user.id },
  );
  const hookCtx = { data, webUrl: "", now, timeoutMs: options.webhookTimeoutMs ?? 10_000, version: "18.2.1" };
  const hooks = new GitLabHooks(hookCtx);
  const apiPath = (path: string) => (path.startsWith("/api/v4/") ? path.slice("/api/v4".length) : path);

  const handle = async (req: DoubleRequest): Promise<DoubleResponse> => {
    const path = req.path;
    if (path.startsWith("/api/v4/")) return handleApi({ data, oauth, hooks, rate, webUrl: urls.web }, req, apiPath(path));
    if (path === "/oauth/authorize") {
      if (req.method === "GET") return oauth.authorize(req);
      if (req.method === "POST") return oauth.decide(req);
    }
    if (path === "/oauth/token" && req.method === "POST") return oauth.token(req);
    if (path === "/oauth/revoke" && req.method === "POST") return oauth.revoke(req);
    if (path === "/oauth/token/info" && req.method === "GET") return oauth.tokenInfo(req);
    const avatar = /^\/uploads\/-\/system\/user\/avatar\/(\d+)\/avatar\.png$/.exec(path);
    if (avatar && req.method === "GET") return { status: 200, headers: { "content-type": "image/svg+xml", "cache-control": "max-age=3600" }, body: avatarSvg(`gitlab:${avatar[1]}`) };
    return html(404, errorPage("GitLab", "Page not found", `This GitLab sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    handle,
    faultResponse: (req, fault) => {
      const base = req.path.startsWith("/api/v4/") ? commonHeaders() : {};
      const fallback = gitlabFaultBody(fault.status);
      if (fault.status === 429) fallback.headers = { ...fallback.headers, ...rate.headers() };
      return faultAnswer(fault, base, fallback);
    },
  });
  urls.web = server.url;
  hookCtx.webUrl = server.url;
  data.load(options.seed ?? gitlabDemoSeed(options.demoAnchor ?? new Date(now())));

  return {
    /** GITLAB_BASE_URL. */
    url: server.url,
    apiUrl: `${server.url}/api/v4`,
    oauth: oauth.client,
    /** The variables that point the app at this double (its OAuth application and instance). */
    appEnv: { GITLAB_CLIENT_ID: oauth.client.clientId, GITLAB_CLIENT_SECRET: oauth.client.clientSecret, GITLAB_BASE_URL: server.url },
    requests,
    deliveries: hooks.deliveries as readonly GitLabDelivery[],
    get user() {
      return data.user;
    },

    // ---- data
    /** Replaces all data and forgets every hook. */
    seed(seed: GitLabSeed): void {
      hooks.clear();
      data.load(seed);
    },
    /** "New commits arrived" (no webhook; see deliverPush). Project by id or path_with_namespace. */
    addCommits: (project: string | number, commits: readonly GitLabSeedCommit[]) => data.addCommits(project, commits),
    projects: () => data.allProjects(),
    project: (idOrPath: string | number) => data.project(idOrPath),
    hooks: (idOrPath: string | number) => {
      const project = data.project(idOrPath);
      return project ? hooks.list(project) : [];
    },

    // ---- OAuth and tokens
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void oauth.client.redirectUris.push(uri),
    /** A token pair for the seeded user without the OAuth dance (default scopes: api read_user). */
    createToken(opts: { scopes?: string[] | string; expiresInSeconds?: number } = {}) {
      const scopes = typeof opts.scopes === "string" ? opts.scopes.split(/\s+/).filter(Boolean) : (opts.scopes ?? ["api", "read_user"]);
      const record = oauth.issue(scopes, null, opts.expiresInSeconds ?? ttl);
      return { accessToken: record.accessToken, refreshToken: record.refreshToken, expiresIn: record.expiresInSeconds };
    },
    /** Expires an access token now (API: 401 invalid_token "Token is expired…"). */
    expireToken(accessToken: string): void {
      const record = oauth.byAccess.get(accessToken);
      if (!record) throw new Error("GitLab double: unknown token");
      record.expiresInSeconds = Math.floor((now() - record.createdAt) / 1000) - 1;
    },
    revokeToken(accessToken: string): void {
      const record = oauth.byAccess.get(accessToken);
      if (record) oauth.revokeRecord(record);
    },
    issuedTokens: () => oauth.issued,
    activeTokens: () => [...oauth.byAccess.values()].filter((r) => !r.revoked && r.createdAt + r.expiresInSeconds * 1000 > now()).length,

    // ---- faults and limits
    failNext: (fault: FaultSpec) => faults.add(fault),
    pendingFaults: () => faults.size,
    /** Sets the current rate-limit window (remaining 0 → the next API request gets 429 "Retry later"). */
    setRateLimit: (limit: { remaining?: number; resetAt?: Date | number; limit?: number }) => rate.set(limit),
    rateLimit: () => ({ limit: rate.limit, remaining: rate.remaining, resetAt: new Date(rate.resetAt) }),
    advanceTime: (ms: number) => void (clockOffset += ms),
    reset(): void {
      faults.clear();
      requests.length = 0;
      hooks.deliveries.length = 0;
      oauth.consent.clear();
      rate.restore();
    },

    // ---- webhooks
    /** Adds the commits and delivers a "Push Hook" to every hook with push_events (or only `hookId`). */
    deliverPush: (project: string | number, commits: readonly GitLabSeedCommit[], opts?: { hookId?: number; ref?: string }): Promise<GitLabPushResult> => hooks.deliverPush(project, commits, opts),
    redeliver: (deliveryId: string) => hooks.redeliver(deliveryId),

    close: () => server.close(),
  };
}

export type GitLabDouble = Awaited<ReturnType<typeof startGitLabDouble>>;
