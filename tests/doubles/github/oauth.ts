import { type DoubleRequest, type DoubleResponse, basicCredentials, html, json, params, redirect } from "../shared/http";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomBase62, randomHex } from "../shared/oauth";

/**
 * GitHub's OAuth web application flow, as an OAuth app on GitHub / GitHub Enterprise
 * Server runs it (https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps):
 *
 * - GET /login/oauth/authorize shows the consent page (or answers at once, see
 *   ConsentMode), then redirects to redirect_uri with ?code&state, or with
 *   ?error=access_denied. An unknown client_id gets a 404 page; a redirect_uri that is
 *   not a registered callback URL is sent, as GitHub does, to the registered callback
 *   URL with ?error=redirect_uri_mismatch.
 * - POST /login/oauth/access_token exchanges a code (single use, 10 minutes, PKCE S256
 *   checked when the authorization had a challenge) or a refresh token. Errors are
 *   HTTP 200 with { error, error_description, error_uri }. JSON when the client sends
 *   Accept: application/json, form-encoded otherwise (GitHub's default).
 * - Tokens look like GitHub's (gho_…, ghr_…). With expiringTokens, access tokens
 *   carry expires_in (8 h) and a single-use refresh token (6 months), as GitHub
 *   App user tokens do.
 */
export type ExpiringTokens = { accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number };

export type GitHubOAuthClient = { clientId: string; clientSecret: string; callbackUrls: string[]; appName: string };

export type GitHubTokenRecord = {
  clientId: string;
  scopes: string[];
  createdAt: number;
  /** Epoch ms, or null for a non-expiring OAuth app token. */
  expiresAt: number | null;
  revoked: boolean;
  refreshToken: string | null;
};

type CodeRecord = { clientId: string; redirectUri: string; scopes: string[]; challenge: string | null; challengeMethod: string; expiresAt: number; used: boolean };
type AuthorizeRequest = { redirectUri: string; state: string | null; scopes: string[]; challenge: string | null; challengeMethod: string };
type RefreshRecord = { accessToken: string; clientId: string; scopes: string[]; expiresAt: number; used: boolean };

const DOCS = "https://docs.github.com/apps/managing-oauth-apps";
const ERRORS = {
  bad_verification_code: ["The code passed is incorrect or expired.", `${DOCS}/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code`],
  incorrect_client_credentials: ["The client_id and/or client_secret passed are incorrect.", `${DOCS}/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials`],
  redirect_uri_mismatch: ["The redirect_uri MUST match the registered callback URL for this application.", `${DOCS}/troubleshooting-oauth-app-access-token-request-errors/#redirect-uri-mismatch2`],
  bad_refresh_token: ["The refresh token passed is incorrect or expired.", "https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens"],
  unsupported_grant_type: ["The grant type is not supported.", "https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens"],
} as const;

/** What the consent page says each scope grants (GitHub's own wording). */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  repo: "Full control of private repositories",
  "repo:status": "Access commit status",
  public_repo: "Access public repositories",
  "admin:repo_hook": "Full control of repository hooks",
  "write:repo_hook": "Write repository hooks",
  "read:repo_hook": "Read repository hooks",
  user: "Update ALL user data",
  "read:user": "Read ALL user profile data",
  "user:email": "Access user email addresses (read-only)",
  "read:org": "Read org and team membership, read org projects",
};

export const parseScopes = (value: string | undefined | null) => [...new Set((value ?? "").split(/[\s,]+/).filter(Boolean))];

export class GitHubOAuth {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, GitHubTokenRecord>();
  private codes = new Map<string, CodeRecord>();
  private refreshTokens = new Map<string, RefreshRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  issued = 0;

  constructor(
    readonly client: GitHubOAuthClient,
    public expiring: ExpiringTokens | null,
    autoApprove: boolean,
    private readonly ctx: { now: () => number; account: () => { login: string; name: string | null } },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  // ---- authorization request ---------------------------------------------

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    if (q.get("client_id") !== this.client.clientId) return html(404, errorPage("GitHub", "Not Found", "This is not the web page you are looking for (unknown client_id)."));
    const registered = this.client.callbackUrls[0];
    if (!registered) return html(400, errorPage("GitHub", "Application misconfigured", "This application has no registered callback URL."));
    const redirectUri = q.get("redirect_uri") ?? registered;
    const state = q.get("state");
    if (!this.client.callbackUrls.some((callback) => redirectAllowed(callback, redirectUri))) {
      // GitHub sends the user to the *registered* callback URL with the error.
      const [description, uri] = ["The redirect_uri MUST match the registered callback URL for this application.", `${DOCS}/troubleshooting-authorization-request-errors/#redirect-uri-mismatch`];
      return redirect(withParams(registered, { error: "redirect_uri_mismatch", error_description: description, error_uri: uri, state }));
    }
    const challenge = q.get("code_challenge");
    const challengeMethod = q.get("code_challenge_method") ?? "S256";
    if (challenge && challengeMethod !== "S256") {
      return redirect(withParams(redirectUri, { error: "invalid_request", error_description: "code_challenge_method must be S256.", state }));
    }
    const request: AuthorizeRequest = { redirectUri, state, scopes: parseScopes(q.get("scope")), challenge, challengeMethod };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    const account = this.ctx.account();
    return html(
      200,
      consentPage({
        provider: "GitHub",
        appName: this.client.appName,
        account,
        scopes: request.scopes.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? "Requested scope" })),
        redirectUri,
        action: "/login/oauth/authorize",
        requestId: this.pending.put(request),
      }),
    );
  }

  /** POST /login/oauth/authorize: the consent form's Authorize / Cancel. */
  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("GitHub", "Authorization expired", "This authorization request has expired or was already answered. Start again from the application."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = randomHex(10);
    this.codes.set(code, {
      clientId: this.client.clientId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      challenge: request.challenge,
      challengeMethod: request.challengeMethod,
      expiresAt: this.ctx.now() + 10 * 60_000,
      used: false,
    });
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(
      withParams(request.redirectUri, {
        error: "access_denied",
        error_description: "The user has denied your application access.",
        error_uri: `${DOCS}/troubleshooting-authorization-request-errors/#access-denied`,
        state: request.state,
      }),
    );
  }

  // ---- token endpoint ----------------------------------------------------

  accessToken(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const basic = basicCredentials(req.headers);
    const clientId = p.client_id ?? basic?.user;
    const clientSecret = p.client_secret ?? basic?.password;
    const wantsJson = (req.headers.accept ?? "").includes("json");
    const answer = (value: Record<string, string | number>) =>
      wantsJson
        ? json(200, value)
        : { status: 200, headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: new URLSearchParams(Object.entries(value).map(([k, v]) => [k, String(v)])).toString() };
    const fail = (error: keyof typeof ERRORS) => answer({ error, error_description: ERRORS[error][0], error_uri: ERRORS[error][1] });

    if (clientId !== this.client.clientId || clientSecret !== this.client.clientSecret) return fail("incorrect_client_credentials");
    const grantType = p.grant_type ?? "authorization_code";
    if (grantType === "refresh_token") {
      const record = this.refreshTokens.get(p.refresh_token ?? "");
      if (!record || record.used || record.expiresAt <= this.ctx.now() || record.clientId !== clientId) return fail("bad_refresh_token");
      record.used = true;
      return answer(this.tokenResponse(this.issue(record.scopes)));
    }
    if (grantType !== "authorization_code") return fail("unsupported_grant_type");
    const code = this.codes.get(p.code ?? "");
    if (!code || code.used || code.expiresAt <= this.ctx.now() || code.clientId !== clientId) return fail("bad_verification_code");
    if (p.redirect_uri && p.redirect_uri !== code.redirectUri) return fail("redirect_uri_mismatch");
    if (code.challenge && !pkceMatches(code.challenge, code.challengeMethod, p.code_verifier)) return fail("bad_verification_code");
    code.used = true;
    return answer(this.tokenResponse(this.issue(code.scopes)));
  }

  private tokenResponse(issued: { accessToken: string; refreshToken: string | null; record: GitHubTokenRecord }): Record<string, string | number> {
    const out: Record<string, string | number> = { access_token: issued.accessToken, token_type: "bearer", scope: issued.record.scopes.join(",") };
    if (this.expiring && issued.refreshToken) {
      out.expires_in = this.expiring.accessTokenTtlSeconds;
      out.refresh_token = issued.refreshToken;
      out.refresh_token_expires_in = this.expiring.refreshTokenTtlSeconds;
    }
    return out;
  }

  /** Issues a token as the token endpoint would (also used by createToken() for tests). */
  issue(scopes: string[], expiresInSeconds?: number | null): { accessToken: string; refreshToken: string | null; record: GitHubTokenRecord } {
    const now = this.ctx.now();
    const accessToken = `gho_${randomBase62(36)}`;
    const ttl = expiresInSeconds !== undefined ? expiresInSeconds : (this.expiring?.accessTokenTtlSeconds ?? null);
    const refreshToken = this.expiring ? `ghr_${randomBase62(76)}` : null;
    const record: GitHubTokenRecord = { clientId: this.client.clientId, scopes, createdAt: now, expiresAt: ttl === null ? null : now + ttl * 1000, revoked: false, refreshToken };
    this.tokens.set(accessToken, record);
    if (refreshToken && this.expiring) {
      this.refreshTokens.set(refreshToken, { accessToken, clientId: this.client.clientId, scopes, expiresAt: now + this.expiring.refreshTokenTtlSeconds * 1000, used: false });
    }
    this.issued += 1;
    return { accessToken, refreshToken, record };
  }

  /** The record of a usable token (not unknown, revoked or expired). */
  usable(token: string | null): GitHubTokenRecord | null {
    const record = token ? this.tokens.get(token) : undefined;
    if (!record || record.revoked) return null;
    if (record.expiresAt !== null && record.expiresAt <= this.ctx.now()) return null;
    return record;
  }

  /** Client credentials of the /applications/{client_id}/… endpoints (Basic auth). */
  clientAuthenticated(req: DoubleRequest, clientId: string): boolean {
    const basic = basicCredentials(req.headers);
    return clientId === this.client.clientId && basic?.user === this.client.clientId && basic.password === this.client.clientSecret;
  }

  /** DELETE /applications/{client_id}/grant revokes every token of the grant; …/token only that one. */
  revoke(accessToken: string, whole: boolean): boolean {
    const record = this.tokens.get(accessToken);
    if (!record || record.revoked) return false;
    const victims = whole ? [...this.tokens.values()].filter((r) => r.clientId === record.clientId) : [record];
    for (const victim of victims) {
      victim.revoked = true;
      const refresh = victim.refreshToken ? this.refreshTokens.get(victim.refreshToken) : undefined;
      if (refresh) refresh.used = true;
    }
    return true;
  }
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * GitHub's rule for an OAuth app's redirect_uri: the registered callback URL's host (or a
 * subdomain of it) and port exactly, and its path or a subdirectory of it
 * (docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#redirect-urls).
 */
export function redirectAllowed(registered: string, requested: string): boolean {
  let callback: URL;
  let uri: URL;
  try {
    callback = new URL(registered);
    uri = new URL(requested);
  } catch {
    return false;
  }
  if (uri.username || uri.password || uri.protocol !== callback.protocol || uri.port !== callback.port) return false;
  if (uri.hostname !== callback.hostname && !uri.hostname.endsWith(`.${callback.hostname}`)) return false;
  const base = callback.pathname.replace(/\/+$/, "");
  return uri.pathname === callback.pathname || uri.pathname.startsWith(`${base}/`);
}
