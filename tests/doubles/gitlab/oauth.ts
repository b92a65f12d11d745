import { type DoubleRequest, type DoubleResponse, basicCredentials, credentialFrom, html, json, params, redirect } from "../shared/http";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomHex } from "../shared/oauth";

/**
 * GitLab's OAuth 2.0 provider (Doorkeeper), as documented in https://docs.gitlab.com/api/oauth2/:
 *
 * - GET /oauth/authorize: unknown client or unregistered redirect_uri → an error page
 *   (never a redirect to an untrusted URI); response_type other than code →
 *   redirect with unsupported_response_type; scopes outside the application's →
 *   invalid_scope; then the consent page (or ConsentMode's immediate answer).
 * - POST /oauth/token: authorization_code (code single use, 10 minutes, PKCE plain or
 *   S256 when the authorization had a challenge) and refresh_token. Answers
 *   { access_token, token_type: "Bearer", expires_in: 7200, refresh_token, scope,
 *   created_at }. Errors: 401 invalid_client, 400 invalid_grant / invalid_request /
 *   unsupported_grant_type, with Doorkeeper's descriptions.
 * - Refresh tokens rotate. As Doorkeeper with refresh_token_revoked_on_use, the
 *   previous token (access and refresh) keeps working until the new access token is
 *   first used, then it is revoked.
 * - POST /oauth/revoke (RFC 7009): 200 {} even for an unknown token.
 * - GET /oauth/token/info.
 */
export type GitLabOAuthClient = { clientId: string; clientSecret: string; redirectUris: string[]; scopes: string[]; appName: string };

export type GitLabTokenRecord = {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  scopes: string[];
  /** Epoch ms. */
  createdAt: number;
  expiresInSeconds: number;
  revoked: boolean;
  /** Revoked when this token is first used (refresh rotation). */
  previous: GitLabTokenRecord | null;
};

type CodeRecord = { clientId: string; redirectUri: string; scopes: string[]; challenge: string | null; challengeMethod: string; expiresAt: number; used: boolean };
type AuthorizeRequest = { redirectUri: string; state: string | null; scopes: string[]; challenge: string | null; challengeMethod: string };

const DESCRIPTIONS = {
  invalid_client: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  invalid_grant: "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  invalid_request: "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
  unsupported_grant_type: "The authorization grant type is not supported by the authorization server.",
  invalid_redirect_uri: "The redirect URI included is not valid.",
  unsupported_response_type: "The authorization server does not support this response type.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  access_denied: "The resource owner or authorization server denied the request.",
} as const;

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  api: "Grants complete read/write access to the API, including all groups and projects, the container registry, and the package registry.",
  read_api: "Grants read access to the API, including all groups and projects, the container registry, and the package registry.",
  read_user: "Grants read-only access to your profile through the /user API endpoint.",
  read_repository: "Grants read-only access to repositories on private projects using Git-over-HTTP or the Repository Files API.",
  openid: "Grants permission to authenticate with GitLab using OpenID Connect.",
  profile: "Grants read-only access to the user's profile data using OpenID Connect.",
  email: "Grants read-only access to the user's primary email address using OpenID Connect.",
};

const noStore = { "cache-control": "no-store", pragma: "no-cache" };
const oauthError = (status: number, error: keyof typeof DESCRIPTIONS) => json(status, { error, error_description: DESCRIPTIONS[error] }, { ...noStore, "content-type": "application/json; charset=utf-8" });

export class GitLabOAuth {
  readonly consent: ConsentMode;
  private codes = new Map<string, CodeRecord>();
  readonly byAccess = new Map<string, GitLabTokenRecord>();
  private byRefresh = new Map<string, GitLabTokenRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  issued = 0;

  constructor(
    readonly client: GitLabOAuthClient,
    private readonly ttlSeconds: number,
    autoApprove: boolean,
    private readonly ctx: { now: () => number; account: () => { login: string; name: string | null }; userId: () => number },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    if (q.get("client_id") !== this.client.clientId) return html(401, errorPage("GitLab", "An error has occurred", DESCRIPTIONS.invalid_client));
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.client.redirectUris.includes(redirectUri)) return html(400, errorPage("GitLab", "An error has occurred", DESCRIPTIONS.invalid_redirect_uri));
    const state = q.get("state");
    const fail = (error: keyof typeof DESCRIPTIONS, description: string = DESCRIPTIONS[error]) => redirect(withParams(redirectUri, { error, error_description: description, state }));
    if (q.get("response_type") !== "code") return fail("unsupported_response_type");
    const requested = (q.get("scope") ?? "").split(/\s+/).filter(Boolean);
    const scopes = requested.length ? [...new Set(requested)] : [...this.client.scopes];
    if (scopes.some((s) => !this.client.scopes.includes(s))) return fail("invalid_scope");
    const challenge = q.get("code_challenge");
    const challengeMethod = q.get("code_challenge_method") ?? "plain";
    if (challenge && challengeMethod !== "S256" && challengeMethod !== "plain") return fail("invalid_request", "The code_challenge_method must be one of plain, S256.");
    const request: AuthorizeRequest = { redirectUri, state, scopes, challenge, challengeMethod };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    return html(
      200,
      consentPage({
        provider: "GitLab",
        appName: this.client.appName,
        account: this.ctx.account(),
        scopes: scopes.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? "Requested scope" })),
        redirectUri,
        action: "/oauth/authorize",
        requestId: this.pending.put(request),
      }),
    );
  }

  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("GitLab", "An error has occurred", "This authorization request has expired or was already answered. Start again from the application."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = randomHex(32);
    this.codes.set(code, { clientId: this.client.clientId, redirectUri: request.redirectUri, scopes: request.scopes, challenge: request.challenge, challengeMethod: request.challengeMethod, expiresAt: this.ctx.now() + 10 * 60_000, used: false });
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(withParams(request.redirectUri, { error: "access_denied", error_description: DESCRIPTIONS.access_denied, state: request.state }));
  }

  private clientOf(req: DoubleRequest, p: Record<string, string>) {
    const basic = basicCredentials(req.headers);
    return { id: p.client_id ?? basic?.user, secret: p.client_secret ?? basic?.password };
  }

  token(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const client = this.clientOf(req, p);
    if (client.id !== this.client.clientId || client.secret !== this.client.clientSecret) return oauthError(401, "invalid_client");
    if (p.grant_type === "refresh_token") {
      if (!p.refresh_token) return oauthError(400, "invalid_request");
      const old = this.byRefresh.get(p.refresh_token);
      if (!old || old.revoked || old.clientId !== client.id) return oauthError(400, "invalid_grant");
      // The old refresh token cannot be used twice; the old access token lives until the new one is used.
      this.byRefresh.delete(p.refresh_token);
      return this.answer(this.issue(old.scopes, old));
    }
    if (p.grant_type !== "authorization_code") return p.grant_type ? oauthError(400, "unsupported_grant_type") : oauthError(400, "invalid_request");
    if (!p.code) return oauthError(400, "invalid_request");
    const code = this.codes.get(p.code);
    if (!code || code.used || code.expiresAt <= this.ctx.now() || code.clientId !== client.id || (p.redirect_uri ?? "") !== code.redirectUri) return oauthError(400, "invalid_grant");
    if (code.challenge && !pkceMatches(code.challenge, code.challengeMethod, p.code_verifier)) return oauthError(400, "invalid_grant");
    code.used = true;
    return this.answer(this.issue(code.scopes, null));
  }

  private answer(record: GitLabTokenRecord): DoubleResponse {
    return json(
      200,
      { access_token: record.accessToken, token_type: "Bearer", expires_in: record.expiresInSeconds, refresh_token: record.refreshToken, scope: record.scopes.join(" "), created_at: Math.floor(record.createdAt / 1000) },
      { ...noStore, "content-type": "application/json; charset=utf-8" },
    );
  }

  issue(scopes: string[], previous: GitLabTokenRecord | null, expiresInSeconds = this.ttlSeconds): GitLabTokenRecord {
    const record: GitLabTokenRecord = { accessToken: randomHex(32), refreshToken: randomHex(32), clientId: this.client.clientId, scopes, createdAt: this.ctx.now(), expiresInSeconds, revoked: false, previous };
    this.byAccess.set(record.accessToken, record);
    this.byRefresh.set(record.refreshToken, record);
    this.issued += 1;
    return record;
  }

  /** The API's view of a bearer token. */
  check(token: string | null): { ok: true; record: GitLabTokenRecord } | { ok: false; reason: "unknown" | "expired" | "revoked" } {
    const record = token ? this.byAccess.get(token) : undefined;
    if (!record) return { ok: false, reason: "unknown" };
    if (record.revoked) return { ok: false, reason: "revoked" };
    if (record.createdAt + record.expiresInSeconds * 1000 <= this.ctx.now()) return { ok: false, reason: "expired" };
    if (record.previous) {
      this.revokeRecord(record.previous);
      record.previous = null;
    }
    return { ok: true, record };
  }

  revokeRecord(record: GitLabTokenRecord): void {
    record.revoked = true;
    this.byRefresh.delete(record.refreshToken);
  }

  revoke(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const client = this.clientOf(req, p);
    if (client.id !== this.client.clientId || client.secret !== this.client.clientSecret) {
      return json(403, { error: "unauthorized_client", error_description: "You are not authorized to revoke this token" });
    }
    const record = this.byAccess.get(p.token ?? "") ?? this.byRefresh.get(p.token ?? "");
    if (record) this.revokeRecord(record);
    return json(200, {});
  }

  tokenInfo(req: DoubleRequest): DoubleResponse {
    const token = credentialFrom(req.headers, ["bearer"]) ?? req.query.get("access_token");
    const checked = this.check(token);
    if (!checked.ok) return json(401, { error: "invalid_token", error_description: "The access token is invalid", state: "unauthorized" });
    const record = checked.record;
    const expiresIn = Math.max(0, Math.floor((record.createdAt + record.expiresInSeconds * 1000 - this.ctx.now()) / 1000));
    return json(200, {
      resource_owner_id: this.ctx.userId(),
      scope: record.scopes,
      expires_in: expiresIn,
      application: { uid: record.clientId },
      created_at: Math.floor(record.createdAt / 1000),
      scopes: record.scopes,
      expires_in_seconds: expiresIn,
    });
  }
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
