import { type DoubleRequest, type DoubleResponse, basicCredentials, html, json, params, redirect } from "../shared/http";
import { accessTokenHash, SigningKey } from "../shared/id-token";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomBase62, randomHex } from "../shared/oauth";
import { oauthError } from "./wire";

/**
 * Google's OAuth 2.0 for web server apps (https://developers.google.com/identity/protocols/oauth2/web-server):
 *
 * - GET /o/oauth2/v2/auth?client_id&redirect_uri&response_type=code&scope&state
 *   [&code_challenge&code_challenge_method][&access_type=offline][&prompt=consent]
 *   shows the consent page for the signed-in Google account (or answers at once, see
 *   ConsentMode) and redirects with ?state&code&scope, or ?error=access_denied&state.
 *   An unknown client, an unregistered redirect_uri, a missing or unknown scope get
 *   Google's error page ("Error 400: redirect_uri_mismatch"…), never a redirect.
 * - POST /token (form; client credentials in the body or HTTP Basic):
 *   authorization_code (single use, 10 minutes, PKCE checked when the authorization
 *   had a challenge) and refresh_token. Access tokens live 3599 s. A refresh token is
 *   issued with access_type=offline on the account's first grant to the client or with
 *   prompt=consent; Google's refresh tokens are not rotated and the refresh response
 *   has none. Errors are RFC 6749 JSON: 400 invalid_grant "Bad Request" (bad, used or
 *   expired code), "Missing code verifier." / "Invalid code verifier.", "Token has been
 *   expired or revoked." (refresh), 401 invalid_client.
 * - POST /revoke?token= (or form body): revokes the whole grant — the access token, its
 *   refresh token and every access token minted from it. 400 invalid_token otherwise.
 * - GET /tokeninfo?access_token= and GET /oauth2/v3/userinfo (Bearer): who and what a token is.
 * - OpenID Connect (https://developers.google.com/identity/openid-connect/openid-connect): with
 *   the `openid` scope the code exchange also answers an id_token, RS256 with the key at
 *   GET /oauth2/v3/certs (www.googleapis.com's path), described by
 *   GET /.well-known/openid-configuration (accounts.google.com's). Claims: iss (the double's
 *   URL, as accounts.google.com is Google's), azp, aud, sub, at_hash, iat, exp, the
 *   authorization request's nonce, hd for Workspace accounts; email and email_verified with
 *   the email scope; name, given_name, family_name, picture with the profile scope.
 */
export type GoogleOAuthClient = { clientId: string; clientSecret: string; redirectUris: string[]; appName: string; projectNumber: string };

export const GOOGLE_SCOPE_PREFIX = "https://www.googleapis.com/auth/";
export const CALENDAR_SCOPES = {
  events: `${GOOGLE_SCOPE_PREFIX}calendar.events`,
  readonly: `${GOOGLE_SCOPE_PREFIX}calendar.readonly`,
  calendar: `${GOOGLE_SCOPE_PREFIX}calendar`,
  eventsReadonly: `${GOOGLE_SCOPE_PREFIX}calendar.events.readonly`,
  calendarList: `${GOOGLE_SCOPE_PREFIX}calendar.calendarlist`,
  calendarListReadonly: `${GOOGLE_SCOPE_PREFIX}calendar.calendarlist.readonly`,
} as const;

/** Google's own wording on its consent screen. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [CALENDAR_SCOPES.events]: "View and edit events on all your calendars",
  [CALENDAR_SCOPES.readonly]: "See and download any calendar you can access using your Google Calendar",
  [CALENDAR_SCOPES.calendar]: "See, edit, share, and permanently delete all the calendars you can access using Google Calendar",
  [CALENDAR_SCOPES.eventsReadonly]: "View events on all your calendars",
  [CALENDAR_SCOPES.calendarList]: "See, add, and remove Google calendars you're subscribed to",
  [CALENDAR_SCOPES.calendarListReadonly]: "See the list of Google calendars you're subscribed to",
  openid: "Associate you with your personal info on Google",
  [`${GOOGLE_SCOPE_PREFIX}userinfo.email`]: "See your primary Google Account email address",
  [`${GOOGLE_SCOPE_PREFIX}userinfo.profile`]: "See your personal info, including any personal info you've made publicly available",
};
const ALIASES: Record<string, string> = { email: `${GOOGLE_SCOPE_PREFIX}userinfo.email`, profile: `${GOOGLE_SCOPE_PREFIX}userinfo.profile` };

/** Space-separated scopes, short aliases (email, profile) expanded as Google reports them back. */
export const parseGoogleScopes = (value: string | null | undefined) => [...new Set((value ?? "").split(/\s+/).filter(Boolean).map((s) => ALIASES[s] ?? s))];
const knownScope = (scope: string) => scope in SCOPE_DESCRIPTIONS || scope.startsWith(GOOGLE_SCOPE_PREFIX);

export const ACCESS_TOKEN_TTL_SECONDS = 3599;

type Grant = { id: number; email: string; scopes: string[]; revoked: boolean };
export type GoogleTokenRecord = { email: string; scopes: string[]; grant: Grant; createdAt: number; expiresAt: number };
/** The Google account as the authorization saw it: what an id_token says about the person. */
type SignedInAccount = { email: string; name: string; sub: string; workspace: boolean };
type CodeRecord = { grant: Grant; redirectUri: string; challenge: string | null; challengeMethod: string; refresh: boolean; expiresAt: number; used: boolean; account: SignedInAccount; nonce: string | null };
type AuthorizeRequest = { redirectUri: string; state: string | null; email: string; scopes: string[]; challenge: string | null; challengeMethod: string; offline: boolean; promptConsent: boolean; account: SignedInAccount; nonce: string | null };

const ID_TOKEN_TTL_SECONDS = 3600;

export class GoogleOAuth {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, GoogleTokenRecord>();
  readonly refreshTokens = new Map<string, Grant>();
  private codes = new Map<string, CodeRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  /** Accounts that already granted this client offline access (later grants get no refresh token without prompt=consent). */
  private offlineGranted = new Set<string>();
  private grants = 0;
  /** Signs id_tokens; Google's key ids are 40 hex characters. */
  private readonly signingKey = new SigningKey(randomHex(20));
  issued = 0;

  constructor(
    readonly client: GoogleOAuthClient,
    autoApprove: boolean,
    private readonly ctx: { now: () => number; issuer: () => string; currentAccount: () => SignedInAccount },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  // ---- authorization request -------------------------------------------------

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    const fail = (code: string, message: string, status = 400) => html(status, errorPage("Google", `Error ${status}: ${code}`, `Access blocked: this request is invalid. ${message}`));
    if (q.get("client_id") !== this.client.clientId) return fail("invalid_client", "The OAuth client was not found.", 401);
    const redirectUri = q.get("redirect_uri");
    if (!redirectUri) return fail("invalid_request", "Missing required parameter: redirect_uri");
    if (!this.client.redirectUris.includes(redirectUri)) return fail("redirect_uri_mismatch", `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirectUri}`);
    if (q.get("response_type") !== "code") return fail("unsupported_response_type", `Invalid response_type: ${q.get("response_type") ?? ""}`);
    const scopes = parseGoogleScopes(q.get("scope"));
    if (!scopes.length) return fail("invalid_request", "Missing required parameter: scope");
    const unknown = scopes.find((s) => !knownScope(s));
    if (unknown) return fail("invalid_scope", `Some requested scopes were invalid. {invalid=[${unknown}]}`);
    const challenge = q.get("code_challenge");
    const challengeMethod = q.get("code_challenge_method") ?? "plain";
    if (challenge && challengeMethod !== "S256" && challengeMethod !== "plain") return fail("invalid_request", `Invalid code_challenge_method: ${challengeMethod}`);
    const account = this.ctx.currentAccount();
    const request: AuthorizeRequest = {
      redirectUri,
      state: q.get("state"),
      email: account.email,
      scopes,
      challenge,
      challengeMethod,
      offline: q.get("access_type") === "offline",
      promptConsent: (q.get("prompt") ?? "").split(/\s+/).includes("consent"),
      account: { email: account.email, name: account.name, sub: account.sub, workspace: account.workspace },
      nonce: q.get("nonce"),
    };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    return html(
      200,
      consentPage({
        provider: "Google",
        appName: this.client.appName,
        account: { login: account.email, name: account.name },
        scopes: scopes.map((scope) => ({ scope: scope.replace(GOOGLE_SCOPE_PREFIX, ""), description: SCOPE_DESCRIPTIONS[scope] ?? "Requested scope" })),
        redirectUri,
        action: "/o/oauth2/v2/auth",
        requestId: this.pending.put(request),
      }),
    );
  }

  /** POST /o/oauth2/v2/auth: the consent form's Authorize / Cancel. */
  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("Google", "Authorization expired", "This authorization request has expired or was already answered. Start again from the application."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = `4/0A${randomBase62(70)}`;
    const key = request.email;
    const refresh = request.offline && (request.promptConsent || !this.offlineGranted.has(key));
    if (request.offline) this.offlineGranted.add(key);
    const grant: Grant = { id: ++this.grants, email: request.email, scopes: request.scopes, revoked: false };
    this.codes.set(code, { grant, redirectUri: request.redirectUri, challenge: request.challenge, challengeMethod: request.challengeMethod, refresh, expiresAt: this.ctx.now() + 10 * 60_000, used: false, account: request.account, nonce: request.nonce });
    return redirect(withParams(request.redirectUri, { state: request.state, iss: this.ctx.issuer(), code, scope: request.scopes.join(" "), authuser: "0", prompt: request.promptConsent ? "consent" : "none" }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(withParams(request.redirectUri, { error: "access_denied", state: request.state }));
  }

  // ---- token endpoint ----------------------------------------------------------

  token(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const basic = basicCredentials(req.headers);
    const clientId = p.client_id ?? basic?.user;
    const clientSecret = p.client_secret ?? basic?.password;
    if (clientId !== this.client.clientId) return oauthError(401, "invalid_client", "The OAuth client was not found.");
    if (clientSecret !== this.client.clientSecret) return oauthError(401, "invalid_client", "Unauthorized");
    const grantType = p.grant_type;
    if (grantType === "refresh_token") {
      const grant = this.refreshTokens.get(p.refresh_token ?? "");
      if (!grant || grant.revoked) return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
      const requested = p.scope ? parseGoogleScopes(p.scope) : grant.scopes;
      if (requested.some((s) => !grant.scopes.includes(s))) return oauthError(400, "invalid_scope", "Bad Request");
      const { accessToken } = this.mint(grant, requested);
      return json(200, { access_token: accessToken, expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: requested.join(" "), token_type: "Bearer" }, NO_STORE);
    }
    if (grantType !== "authorization_code") return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    const code = this.codes.get(p.code ?? "");
    if (!code || code.used || code.expiresAt <= this.ctx.now()) return oauthError(400, "invalid_grant", "Bad Request");
    if (p.redirect_uri !== code.redirectUri) return oauthError(400, "redirect_uri_mismatch", "Bad Request");
    if (code.challenge) {
      if (!p.code_verifier) return oauthError(400, "invalid_grant", "Missing code verifier.");
      if (!pkceMatches(code.challenge, code.challengeMethod, p.code_verifier)) return oauthError(400, "invalid_grant", "Invalid code verifier.");
    }
    code.used = true;
    const { accessToken } = this.mint(code.grant, code.grant.scopes);
    const body: Record<string, string | number> = { access_token: accessToken, expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: code.grant.scopes.join(" "), token_type: "Bearer" };
    if (code.refresh) body.refresh_token = this.refreshFor(code.grant);
    if (code.grant.scopes.includes("openid")) body.id_token = this.idToken(code, accessToken);
    return json(200, body, NO_STORE);
  }

  private idToken(code: CodeRecord, accessToken: string): string {
    const now = Math.floor(this.ctx.now() / 1000);
    const { account, grant } = code;
    const claims: Record<string, unknown> = {
      iss: this.ctx.issuer(),
      azp: this.client.clientId,
      aud: this.client.clientId,
      sub: account.sub,
      at_hash: accessTokenHash(accessToken),
      iat: now,
      exp: now + ID_TOKEN_TTL_SECONDS,
    };
    if (account.workspace) claims.hd = account.email.split("@")[1];
    if (grant.scopes.some((s) => s.endsWith("userinfo.email"))) Object.assign(claims, { email: account.email, email_verified: true });
    if (grant.scopes.some((s) => s.endsWith("userinfo.profile"))) {
      const [given, ...family] = account.name.split(" ");
      Object.assign(claims, { name: account.name, given_name: given, family_name: family.join(" ") || undefined, picture: `https://lh3.googleusercontent.com/a/${account.sub}=s96-c` });
    }
    if (code.nonce) claims.nonce = code.nonce;
    return this.signingKey.sign(claims, { typ: "JWT" });
  }

  // ---- OpenID Connect metadata -----------------------------------------------------

  /** GET /.well-known/openid-configuration and GET /oauth2/v3/certs; undefined for any other request. */
  openIdMetadata(req: DoubleRequest): DoubleResponse | undefined {
    if (req.method !== "GET") return undefined;
    if (req.path === "/.well-known/openid-configuration") return json(200, this.openIdConfiguration(), { "cache-control": "public, max-age=3600" });
    if (req.path === "/oauth2/v3/certs") {
      return json(200, { keys: [{ ...this.signingKey.publicJwk, alg: "RS256", use: "sig", kid: this.signingKey.kid }] }, { "cache-control": "public, max-age=19800" });
    }
    return undefined;
  }

  /** Google's discovery document, every endpoint on the double (accounts.google.com, oauth2.googleapis.com and www.googleapis.com are one server here). */
  private openIdConfiguration() {
    const base = this.ctx.issuer();
    return {
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/oauth2/v3/userinfo`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/oauth2/v3/certs`,
      response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "email", "profile"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
      code_challenge_methods_supported: ["plain", "S256"],
      grant_types_supported: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
    };
  }

  /** Issues an access token (and a refresh token) for an account without the browser dance. */
  issue(email: string, scopes: string[], options: { refresh?: boolean } = {}): { accessToken: string; refreshToken: string | null; expiresAt: number } {
    const grant: Grant = { id: ++this.grants, email, scopes, revoked: false };
    const { accessToken, record } = this.mint(grant, scopes);
    return { accessToken, refreshToken: options.refresh === false ? null : this.refreshFor(grant), expiresAt: record.expiresAt };
  }

  private mint(grant: Grant, scopes: string[]) {
    const now = this.ctx.now();
    const accessToken = `ya29.a0${randomBase62(160)}`;
    const record: GoogleTokenRecord = { email: grant.email, scopes, grant, createdAt: now, expiresAt: now + ACCESS_TOKEN_TTL_SECONDS * 1000 };
    this.tokens.set(accessToken, record);
    this.issued += 1;
    return { accessToken, record };
  }

  private refreshFor(grant: Grant): string {
    const token = `1//0${randomBase62(100)}`;
    this.refreshTokens.set(token, grant);
    return token;
  }

  /** The record of a usable access token, or why not. */
  check(token: string | null): { record: GoogleTokenRecord } | { problem: "missing" | "invalid" } {
    if (!token) return { problem: "missing" };
    const record = this.tokens.get(token);
    if (!record || record.grant.revoked || record.expiresAt <= this.ctx.now()) return { problem: "invalid" };
    return { record };
  }

  // ---- revoke, tokeninfo, userinfo --------------------------------------------------

  revoke(req: DoubleRequest): DoubleResponse {
    const token = params(req).token ?? "";
    const grant = this.tokens.get(token)?.grant ?? this.refreshTokens.get(token);
    const access = this.tokens.get(token);
    if (!grant || grant.revoked || (access && access.expiresAt <= this.ctx.now())) return oauthError(400, "invalid_token", "Token expired or revoked");
    this.revokeGrant(grant);
    return json(200, {});
  }

  revokeGrant(grant: Grant): void {
    grant.revoked = true;
  }

  /** The person removed the app's access in their Google Account: every grant of that account ends. */
  revokeAccount(email: string): number {
    const grants = new Set<Grant>([...this.tokens.values()].map((t) => t.grant).concat([...this.refreshTokens.values()]));
    let count = 0;
    for (const grant of grants) {
      if (grant.email === email && !grant.revoked) {
        grant.revoked = true;
        count += 1;
      }
    }
    this.offlineGranted.delete(email);
    return count;
  }

  tokenInfo(req: DoubleRequest): DoubleResponse {
    const token = params(req).access_token ?? req.headers.authorization?.replace(/^Bearer\s+/i, "") ?? null;
    const checked = this.check(token);
    if ("problem" in checked) return oauthError(400, "invalid_token", "Invalid Value");
    const { record } = checked;
    const expiresIn = Math.max(0, Math.floor((record.expiresAt - this.ctx.now()) / 1000));
    const info: Record<string, string> = { azp: this.client.clientId, aud: this.client.clientId, scope: record.scopes.join(" "), exp: String(Math.floor(record.expiresAt / 1000)), expires_in: String(expiresIn), access_type: this.refreshTokens.size ? "offline" : "online" };
    if (record.scopes.some((s) => s.endsWith("userinfo.email"))) Object.assign(info, { email: record.email, email_verified: "true" });
    return json(200, info);
  }
}

const NO_STORE = { "cache-control": "no-cache, no-store, max-age=0, must-revalidate", pragma: "no-cache" };

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
