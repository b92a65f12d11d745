import { type DoubleRequest, type DoubleResponse, basicCredentials, html, params, redirect } from "../shared/http";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomBase62, randomHex } from "../shared/oauth";
import { slackJson } from "./wire";

/**
 * Slack's OAuth v2 flow for a user-token app (https://docs.slack.dev/authentication/installing-with-oauth):
 *
 * - GET /oauth/v2/authorize?client_id&user_scope&scope&redirect_uri&state[&code_challenge]
 *   shows the consent page (or answers at once, see ConsentMode) and redirects with
 *   ?code&state, or ?error=access_denied&state. An unknown client_id or an unregistered
 *   redirect_uri gets an error page (Slack does not redirect those).
 * - POST /api/oauth.v2.access (form or JSON; client credentials by HTTP Basic or in the
 *   body) exchanges a code (single use, 10 minutes, PKCE checked when the authorization
 *   had a challenge) for `authed_user.access_token`. With token rotation enabled the user
 *   token expires (12 h) and comes with a single-use refresh token; `grant_type=refresh_token`
 *   returns a new pair at the top level (`token_type: "user"`). Errors are HTTP 200
 *   `{ ok: false, error }` as everywhere in Slack's Web API.
 */
export type SlackRotation = { accessTokenTtlSeconds: number };

export type SlackOAuthClient = { clientId: string; clientSecret: string; redirectUris: string[]; appName: string; appId: string };

export type SlackTokenRecord = {
  userId: string;
  scopes: string[];
  createdAt: number;
  /** Epoch ms, or null for a non-rotating token. */
  expiresAt: number | null;
  revoked: boolean;
  refreshToken: string | null;
};

type CodeRecord = { redirectUri: string | null; userId: string; scopes: string[]; challenge: string | null; challengeMethod: string; expiresAt: number; used: boolean };
type AuthorizeRequest = { redirectUri: string | null; state: string | null; userId: string; scopes: string[]; challenge: string | null; challengeMethod: string };
type RefreshRecord = { userId: string; scopes: string[]; used: boolean };

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  "users.profile:read": "View profile details about people in your workspace",
  "users.profile:write": "Edit your profile information and status",
  "dnd:read": "View Do Not Disturb settings for people in your workspace",
  "dnd:write": "Edit your Do Not Disturb settings",
  "users:read": "View people in your workspace",
  identify: "View information about your identity",
};

export const parseSlackScopes = (value: string | undefined | null) => [...new Set((value ?? "").split(/[\s,]+/).filter(Boolean))];

export class SlackOAuth {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, SlackTokenRecord>();
  private codes = new Map<string, CodeRecord>();
  private refreshTokens = new Map<string, RefreshRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  issued = 0;

  constructor(
    readonly client: SlackOAuthClient,
    public rotation: SlackRotation | null,
    autoApprove: boolean,
    private readonly ctx: {
      now: () => number;
      team: { id: string; name: string };
      /** The sandbox user who is "signed in to Slack" in the browser. */
      currentUser: () => { id: string; name: string; realName: string };
    },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    if (q.get("client_id") !== this.client.clientId) return html(400, errorPage("Slack", "invalid_client_id", "This app's client_id is not recognised."));
    const redirectUri = q.get("redirect_uri");
    if (redirectUri !== null && !this.client.redirectUris.includes(redirectUri)) {
      return html(400, errorPage("Slack", "bad_redirect_uri", "The redirect_uri does not match a redirect URL configured for this app."));
    }
    const target = redirectUri ?? this.client.redirectUris[0];
    if (!target) return html(400, errorPage("Slack", "bad_redirect_uri", "This app has no redirect URL configured."));
    const challenge = q.get("code_challenge");
    const challengeMethod = q.get("code_challenge_method") ?? "S256";
    const user = this.ctx.currentUser();
    // A user-token app asks for user_scope; bot scopes (scope) are listed too, but no bot token is issued by this double.
    const scopes = parseSlackScopes(q.get("user_scope"));
    const request: AuthorizeRequest = { redirectUri, state: q.get("state"), userId: user.id, scopes, challenge, challengeMethod };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request, target);
    if (decision === "deny") return this.deny(request, target);
    return html(
      200,
      consentPage({
        provider: "Slack",
        appName: this.client.appName,
        account: { login: `${user.name} in ${this.ctx.team.name}`, name: user.realName },
        scopes: [...scopes, ...parseSlackScopes(q.get("scope"))].map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? "Requested scope" })),
        redirectUri: target,
        action: "/oauth/v2/authorize",
        requestId: this.pending.put(request),
      }),
    );
  }

  /** POST /oauth/v2/authorize: the consent form's Authorize / Cancel. */
  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("Slack", "Authorization expired", "This authorization request has expired or was already answered. Start again from the application."));
    const target = request.redirectUri ?? this.client.redirectUris[0]!;
    return form.decision === "approve" ? this.approve(request, target) : this.deny(request, target);
  }

  private approve(request: AuthorizeRequest, target: string): DoubleResponse {
    const code = `${this.ctx.team.id.slice(1)}.${Date.now()}.${randomHex(32)}`;
    this.codes.set(code, {
      redirectUri: request.redirectUri,
      userId: request.userId,
      scopes: request.scopes,
      challenge: request.challenge,
      challengeMethod: request.challengeMethod,
      expiresAt: this.ctx.now() + 10 * 60_000,
      used: false,
    });
    return redirect(withParams(target, { code, state: request.state }));
  }

  private deny(request: AuthorizeRequest, target: string): DoubleResponse {
    return redirect(withParams(target, { error: "access_denied", state: request.state }));
  }

  /** POST /api/oauth.v2.access */
  access(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const basic = basicCredentials(req.headers);
    const clientId = basic?.user ?? p.client_id;
    const clientSecret = basic?.password ?? p.client_secret;
    if (clientId !== this.client.clientId) return slackJson({ ok: false, error: "invalid_client_id" });
    if (clientSecret !== this.client.clientSecret) return slackJson({ ok: false, error: "bad_client_secret" });
    const grantType = p.grant_type ?? "authorization_code";
    const common = { app_id: this.client.appId, team: this.ctx.team, enterprise: null, is_enterprise_install: false };

    if (grantType === "refresh_token") {
      if (!this.rotation) return slackJson({ ok: false, error: "invalid_refresh_token" });
      const record = this.refreshTokens.get(p.refresh_token ?? "");
      if (!record || record.used) return slackJson({ ok: false, error: "invalid_refresh_token" });
      record.used = true; // Slack revokes a refresh token once it has been exchanged
      const issued = this.issue(record.userId, record.scopes);
      return slackJson({
        ok: true,
        ...common,
        access_token: issued.accessToken,
        token_type: "user",
        scope: record.scopes.join(","),
        refresh_token: issued.refreshToken,
        expires_in: this.rotation.accessTokenTtlSeconds,
        user_id: record.userId,
      });
    }
    if (grantType !== "authorization_code") return slackJson({ ok: false, error: "invalid_grant_type" });
    const code = this.codes.get(p.code ?? "");
    if (!code || code.used || code.expiresAt <= this.ctx.now()) return slackJson({ ok: false, error: "invalid_code" });
    if (code.redirectUri !== null && p.redirect_uri !== code.redirectUri) return slackJson({ ok: false, error: "bad_redirect_uri" });
    if (code.challenge && !pkceMatches(code.challenge, code.challengeMethod, p.code_verifier)) return slackJson({ ok: false, error: "invalid_code" });
    code.used = true;
    const issued = this.issue(code.userId, code.scopes);
    const authedUser: Record<string, string | number> = { id: code.userId, scope: code.scopes.join(","), access_token: issued.accessToken, token_type: "user" };
    if (this.rotation && issued.refreshToken) {
      authedUser.refresh_token = issued.refreshToken;
      authedUser.expires_in = this.rotation.accessTokenTtlSeconds;
    }
    return slackJson({ ok: true, ...common, authed_user: authedUser });
  }

  /** Issues a user token as oauth.v2.access would (also used by createToken() for tests). */
  issue(userId: string, scopes: string[], expiresInSeconds?: number | null): { accessToken: string; refreshToken: string | null; record: SlackTokenRecord } {
    const now = this.ctx.now();
    const ttl = expiresInSeconds !== undefined ? expiresInSeconds : (this.rotation?.accessTokenTtlSeconds ?? null);
    const numeric = () => String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999));
    const accessToken = this.rotation ? `xoxe.xoxp-1-${randomBase62(140)}` : `xoxp-${numeric()}-${numeric()}-${numeric()}-${randomHex(16)}`;
    const refreshToken = this.rotation ? `xoxe-1-${randomBase62(140)}` : null;
    const record: SlackTokenRecord = { userId, scopes, createdAt: now, expiresAt: ttl === null ? null : now + ttl * 1000, revoked: false, refreshToken };
    this.tokens.set(accessToken, record);
    if (refreshToken) this.refreshTokens.set(refreshToken, { userId, scopes, used: false });
    this.issued += 1;
    return { accessToken, refreshToken, record };
  }

  /** Revokes one access token and its refresh token (auth.revoke). */
  revoke(accessToken: string): boolean {
    const record = this.tokens.get(accessToken);
    if (!record || record.revoked) return false;
    record.revoked = true;
    const refresh = record.refreshToken ? this.refreshTokens.get(record.refreshToken) : undefined;
    if (refresh) refresh.used = true;
    return true;
  }

  /** The user removed the app (or an admin did): every token and refresh token of that user stops working. */
  revokeUser(userId: string): number {
    let count = 0;
    for (const [token, record] of this.tokens) if (record.userId === userId && this.revoke(token)) count += 1;
    return count;
  }
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
