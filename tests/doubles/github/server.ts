import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, faultAnswer, html, type LoggedRequest, serve } from "../shared/http";
import { avatarSvg } from "../shared/avatar";
import { errorPage } from "../shared/oauth";
import { commonHeaders, GitHubRateLimit, githubFaultBody, handleApi } from "./api";
export { githubFaults } from "./api";
import { GitHubData, type GitHubSeed, type GitHubSeedCommit } from "./data";
import { githubDemoSeed } from "./demo";
export { githubDemoSeed } from "./demo";
import { type ExpiringTokens, GitHubOAuth, parseScopes } from "./oauth";
import { type GitHubDelivery, GitHubHooks, type PushResult } from "./webhooks";

export type { GitHubSeed, GitHubSeedCommit, GitHubSeedRepo, GitHubPermissions } from "./data";
export type { GitHubDelivery, PushResult } from "./webhooks";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of a GitHub Enterprise Server host, speaking GitHub's real wire format
 * so the app can drive it with @octokit/rest (+ throttling and retry) and plain fetch:
 *
 *   web + OAuth   <url>/login/oauth/authorize, <url>/login/oauth/access_token  (GITHUB_BASE_URL=<url>)
 *   REST API      <url>/api/v3/…                                             (GITHUB_API_URL=<url>/api/v3)
 *
 * See oauth.ts, api.ts and webhooks.ts for what each part reproduces. Controls:
 * seed/addCommits (data), createToken/expire/revoke (tokens), failNext/setRateLimit
 * (faults), deliverPush/redeliver (webhooks), requests/deliveries (logs), advanceTime.
 */
export type GitHubDoubleOptions = {
  /** Listen on this port (default: a free one). */
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs accepted exactly (default: the app's integration and sign-in callbacks on http://localhost:3000). */
  callbackUrls?: string[];
  /** Shown on the consent page (default "DevPulse Cloud"). */
  appName?: string;
  /** GET /login/oauth/authorize redirects at once with a code, as for an app the user already authorized. */
  autoApprove?: boolean;
  /** Issue expiring tokens with refresh tokens (GitHub App user tokens: 8 h / 6 months). Default: non-expiring OAuth app tokens. */
  expiringTokens?: boolean | Partial<ExpiringTokens>;
  /** Primary rate limit per hour (default 5000). */
  rateLimit?: number;
  /** Replaces the demo data. */
  seed?: GitHubSeed;
  /** "Now" for the demo data's last 14 days (default: the current time). */
  demoAnchor?: Date;
  /** Webhook deliveries give up after this long (default 10 000 ms, as GitHub). */
  webhookTimeoutMs?: number;
  /** Send a `ping` delivery when a hook is created, as GitHub does (default false: tests opt in). */
  pingOnHookCreate?: boolean;
};

export const GITHUB_DOUBLE_DEFAULTS = {
  clientId: "Ov23liDevPulseSandbx",
  clientSecret: "5a4d1b0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b",
  callbackUrls: ["http://localhost:3000/api/integrations/github/callback", "http://localhost:3000/api/auth/callback/github"],
  appName: "DevPulse Cloud",
} as const;

export async function startGitHubDouble(options: GitHubDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { web: "", api: "" };
  const data = new GitHubData(urls);
  const rate = new GitHubRateLimit(options.rateLimit ?? 5000, now);
  const expiring: ExpiringTokens | null = options.expiringTokens
    ? { accessTokenTtlSeconds: 28_800, refreshTokenTtlSeconds: 15_897_600, ...(typeof options.expiringTokens === "object" ? options.expiringTokens : {}) }
    : null;
  const oauth = new GitHubOAuth(
    {
      clientId: options.clientId ?? GITHUB_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? GITHUB_DOUBLE_DEFAULTS.clientSecret,
      callbackUrls: [...(options.callbackUrls ?? GITHUB_DOUBLE_DEFAULTS.callbackUrls)],
      appName: options.appName ?? GITHUB_DOUBLE_DEFAULTS.appName,
    },
    expiring,
    options.autoApprove ?? false,
    { now, account: () => ({ login: data.user.login, name: data.user.name }) },
  );
  const hookCtx = { data, webUrl: "", apiUrl: "", now, timeoutMs: options.webhookTimeoutMs ?? 10_000, pingOnCreate: options.pingOnHookCreate ?? false };
  const hooks = new GitHubHooks(hookCtx);
  const apiPath = (path: string) => (path === "/api/v3" || path.startsWith("/api/v3/") ? path.slice("/api/v3".length) || "/" : path);

  const handle = async (req: DoubleRequest): Promise<DoubleResponse> => {
    const path = req.path;
    if (path === "/api/v3" || path.startsWith("/api/v3/")) return handleApi({ data, oauth, hooks, rate, apiUrl: urls.api, now }, req, apiPath(path));
    if (path === "/login/oauth/authorize") {
      if (req.method === "GET") return oauth.authorize(req);
      if (req.method === "POST") return oauth.decide(req);
    }
    if (path === "/login/oauth/access_token" && req.method === "POST") return oauth.accessToken(req);
    const avatar = /^\/avatars\/u\/(\d+)$/.exec(path);
    if (avatar && req.method === "GET") return { status: 200, headers: { "content-type": "image/svg+xml", "cache-control": "max-age=3600" }, body: avatarSvg(avatar[1]!) };
    return html(404, errorPage("GitHub", "Page not found", `This GitHub sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    handle,
    faultResponse: (req, fault) => {
      const api = req.path.startsWith("/api/v3");
      return faultAnswer(fault, api ? commonHeaders(rate.headers()) : {}, githubFaultBody(fault.status));
    },
  });
  urls.web = server.url;
  urls.api = `${server.url}/api/v3`;
  hookCtx.webUrl = urls.web;
  hookCtx.apiUrl = urls.api;
  data.load(options.seed ?? githubDemoSeed(options.demoAnchor ?? new Date(now())));

  return {
    /** GITHUB_BASE_URL: web and OAuth. */
    url: server.url,
    /** GITHUB_API_URL: the REST API root (octokit's baseUrl). */
    apiUrl: urls.api,
    oauth: oauth.client,
    /** The variables that point the app at this double (its OAuth app, web and API). */
    appEnv: { GITHUB_CLIENT_ID: oauth.client.clientId, GITHUB_CLIENT_SECRET: oauth.client.clientSecret, GITHUB_BASE_URL: server.url, GITHUB_API_URL: urls.api },
    /** Every request answered, oldest first (never a credential). */
    requests,
    /** Every webhook delivery made, oldest first. */
    deliveries: hooks.deliveries as readonly GitHubDelivery[],
    get user() {
      return data.user;
    },

    // ---- data
    /** Replaces all data (user, repositories, commits) and forgets every hook. */
    seed(seed: GitHubSeed): void {
      hooks.clear();
      data.load(seed);
    },
    /** "New commits arrived" on a repository (no webhook; see deliverPush). Returns the stored commits with their SHAs. */
    addCommits: (fullName: string, commits: readonly GitHubSeedCommit[]) => data.addCommits(fullName, commits),
    /** The stored repositories (commits newest first), for assertions. */
    repos: () => data.allRepos(),
    /** The hooks registered on a repository. */
    hooks: (fullName: string) => {
      const [owner = "", name = ""] = fullName.split("/");
      const repo = data.repo(owner, name);
      return repo ? hooks.list(repo) : [];
    },

    // ---- OAuth and tokens
    /** The next GET /login/oauth/authorize redirects at once with a code. */
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    /** The next GET /login/oauth/authorize redirects at once with error=access_denied. */
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    /** Accept another exact redirect URI. */
    addCallbackUrl: (url: string) => void oauth.client.callbackUrls.push(url),
    /** A token for the seeded user without the OAuth dance (default scopes: repo, read:user, user:email). */
    createToken(opts: { scopes?: string[] | string; expiresInSeconds?: number | null } = {}) {
      const scopes = typeof opts.scopes === "string" ? parseScopes(opts.scopes) : (opts.scopes ?? ["repo", "read:user", "user:email"]);
      const { accessToken, refreshToken } = oauth.issue(scopes, opts.expiresInSeconds);
      return { accessToken, refreshToken };
    },
    /** Makes a token (access token value) expired from now on. */
    expireToken(accessToken: string): void {
      const record = oauth.tokens.get(accessToken);
      if (!record) throw new Error("GitHub double: unknown token");
      record.expiresAt = now() - 1;
    },
    revokeToken: (accessToken: string) => oauth.revoke(accessToken, false),
    /** How many access tokens were issued (token endpoint and createToken). */
    issuedTokens: () => oauth.issued,
    /** Tokens that would still be accepted. */
    activeTokens: () => [...oauth.tokens.keys()].filter((token) => oauth.usable(token) !== null).length,

    // ---- faults and limits
    /** The next matching request(s) get this answer, or a destroyed socket ({ networkError: true }). */
    failNext: (fault: FaultSpec) => faults.add(fault),
    pendingFaults: () => faults.size,
    /** Sets the primary rate limit window (remaining 0 → 403 "API rate limit exceeded"). */
    setRateLimit: (limit: { remaining?: number; resetAt?: Date | number; limit?: number }) => rate.set(limit),
    rateLimit: () => ({ limit: rate.limit, remaining: rate.remaining, used: rate.limit - rate.remaining, reset: rate.reset }),
    /** Moves the double's clock (token, code and rate-limit expiry). */
    advanceTime: (ms: number) => void (clockOffset += ms),
    /** Clears faults, the request and delivery logs, consent overrides, and restores the full rate limit. Data and tokens stay. */
    reset(): void {
      faults.clear();
      requests.length = 0;
      hooks.deliveries.length = 0;
      oauth.consent.clear();
      rate.restore();
    },

    // ---- webhooks
    /** Adds the commits to the repository and delivers a `push` to every active hook (or only `hookId`). */
    deliverPush: (fullName: string, commits: readonly GitHubSeedCommit[], opts?: { hookId?: number; ref?: string }): Promise<PushResult> => hooks.deliverPush(fullName, commits, opts),
    /** Delivers a past delivery again, same body and same X-GitHub-Delivery. */
    redeliver: (deliveryId: string) => hooks.redeliver(deliveryId),

    close: () => server.close(),
  };
}

export type GitHubDouble = Awaited<ReturnType<typeof startGitHubDouble>>;
