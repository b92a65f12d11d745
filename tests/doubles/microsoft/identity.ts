import { randomUUID } from "node:crypto";
import { base64urlJson as b64url, SigningKey } from "../shared/id-token";
import { basicCredentials, credentialFrom, type DoubleRequest, type DoubleResponse, html, json, params, redirect } from "../shared/http";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomBase62 } from "../shared/oauth";
import { aadError } from "./wire";

/**
 * The Microsoft identity platform v2.0 (login.microsoftonline.com) for a confidential web app:
 *
 * - GET /{tenant}/oauth2/v2.0/authorize?client_id&response_type=code&redirect_uri&scope&state
 *   [&code_challenge&code_challenge_method=S256][&nonce][&prompt][&response_mode=query]
 *   shows the consent page with the requested scopes (or answers at once, see ConsentMode) and
 *   redirects with ?code&state&session_state, or ?error=access_denied&error_description=AADSTS65004…&state.
 *   {tenant} is "common", "organizations", "consumers", the tenant id or its domain; anything
 *   else is AADSTS90002. An unknown client (AADSTS700016) or an unregistered redirect_uri
 *   (AADSTS50011) gets an error page, as Microsoft does not redirect those.
 * - POST /{tenant}/oauth2/v2.0/token (form; client_secret in the body or HTTP Basic):
 *   authorization_code (single use, 10 min, redirect_uri must match, PKCE checked when the
 *   authorization had a challenge) and refresh_token. Answers { token_type: "Bearer", scope,
 *   expires_in: 3599, ext_expires_in: 3599, access_token, refresh_token (only with
 *   offline_access), id_token (only with openid) }. Every refresh returns a NEW refresh token;
 *   the old one keeps working until it expires or is revoked, as Microsoft's do (unless the
 *   double was started with singleUseRefreshTokens). Errors are 400/401 AADSTS bodies:
 *   invalid_grant 70000 (bad or used code), 70008 (expired code), 700082 (expired refresh
 *   token), 50173 (revoked grant), 501481 (PKCE), 9002313 (malformed refresh token);
 *   invalid_client 7000215; unauthorized_client 700016.
 * - id_token: an RS256 JWT (key at /{tenant}/discovery/v2.0/keys, discovery at
 *   /{tenant}/v2.0/.well-known/openid-configuration) with aud, iss `${url}/${tenantId}/v2.0`,
 *   sub, oid, tid, name, preferred_username, email (with the email scope), nonce, and the
 *   optional claim xms_edov when the app registration asks for it (client.optionalClaims):
 *   true only when the mail's domain is one the tenant verified (its own domain here), since
 *   Entra lets an admin type any address into `mail`. GET /oidc/userinfo with a token.
 * - Discovery for "common", "organizations" and "consumers" names the issuer
 *   `${url}/{tenantid}/v2.0` with the placeholder, as Microsoft's does: each token's issuer
 *   is its own tenant's, so a multi-tenant app checks iss against its tid. A tenant's own
 *   discovery (id or domain) names that tenant's issuer.
 * Scopes may be bare ("Calendars.ReadWrite") or resource-qualified
 * ("https://graph.microsoft.com/Calendars.ReadWrite"); the token answer lists Graph scopes qualified.
 */
export type MicrosoftOAuthClient = {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  appName: string;
  /** The app registration's optional id_token claims (Token configuration), e.g. ["xms_edov"]. */
  optionalClaims?: string[];
};

export type MicrosoftPerson = { id: string; displayName: string; givenName: string; surname: string; userPrincipalName: string; mail: string; jobTitle: string };

export type AccessRecord = { userId: string; clientId: string; scopes: string[]; expiresAt: number };
type RefreshRecord = { userId: string; scopes: string[]; expiresAt: number; revoked: boolean; used: boolean };
type CodeRecord = { userId: string; scopes: string[]; redirectUri: string; challenge: string | null; challengeMethod: string; nonce: string | null; expiresAt: number; used: boolean };
type AuthorizeRequest = { userId: string; scopes: string[]; redirectUri: string; state: string | null; challenge: string | null; challengeMethod: string; nonce: string | null; responseMode: string };

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
const GRAPH = "https://graph.microsoft.com/";
/** Tenant aliases whose discovery document names a per-tenant issuer with this placeholder. */
const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);
const TENANT_PLACEHOLDER = "{tenantid}";

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  "Calendars.ReadWrite": "Have full access to your calendars",
  "Calendars.Read": "Read your calendars",
  "User.Read": "Sign you in and read your profile",
  offline_access: "Maintain access to data you have given it access to",
  openid: "Sign you in",
  profile: "View your basic profile",
  email: "View your email address",
};

/** "https://graph.microsoft.com/Calendars.ReadWrite offline_access" → ["Calendars.ReadWrite", "offline_access"]. */
export const parseMicrosoftScopes = (value: string | undefined | null) =>
  [...new Set((value ?? "").split(/\s+/).filter(Boolean).map((s) => (s.toLowerCase().startsWith(GRAPH) ? s.slice(GRAPH.length) : s)))];

export class MicrosoftIdentity {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, AccessRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  private codes = new Map<string, CodeRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  private readonly key = new SigningKey();
  issued = 0;

  constructor(
    readonly client: MicrosoftOAuthClient,
    autoApprove: boolean,
    private readonly ctx: {
      now: () => number;
      url: () => string;
      tenant: { id: string; domain: string };
      people: Map<string, MicrosoftPerson>;
      currentUser: () => MicrosoftPerson;
      accessTokenTtlSeconds: number;
      refreshTokenTtlSeconds: number;
      singleUseRefreshTokens: boolean;
    },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  private get loginUrl() {
    return this.ctx.url();
  }

  issuer = () => `${this.loginUrl}/${this.ctx.tenant.id}/v2.0`;

  /** The issuer a tenant's discovery document names: the placeholder one for the multi-tenant aliases. */
  private discoveryIssuer(tenant: string): string {
    return MULTI_TENANT.has(tenant) ? `${this.loginUrl}/${TENANT_PLACEHOLDER}/v2.0` : this.issuer();
  }

  /** Is this path segment a tenant this double answers for? */
  knownTenant(tenant: string): boolean {
    return ["common", "organizations", "consumers", this.ctx.tenant.id, this.ctx.tenant.domain].includes(tenant);
  }

  // ---- browser side --------------------------------------------------------

  authorize(req: DoubleRequest, tenant: string): DoubleResponse {
    const q = req.query;
    if (!this.knownTenant(tenant)) return html(400, errorPage("Microsoft", "AADSTS90002", `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
    if (q.get("client_id") !== this.client.clientId) {
      return html(400, errorPage("Microsoft", "AADSTS700016", `Application with identifier '${q.get("client_id") ?? ""}' was not found in the directory '${this.ctx.tenant.domain}'.`));
    }
    const redirectUri = q.get("redirect_uri") ?? this.client.redirectUris[0] ?? "";
    if (!this.client.redirectUris.includes(redirectUri)) {
      return html(400, errorPage("Microsoft", "AADSTS50011", `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${this.client.clientId}'.`));
    }
    const state = q.get("state");
    if (q.get("response_type") !== "code") return redirect(withParams(redirectUri, { error: "unsupported_response_type", error_description: "AADSTS700054: response_type 'id_token' is not enabled for the application.", state }));
    const scopes = parseMicrosoftScopes(q.get("scope"));
    if (scopes.length === 0) return redirect(withParams(redirectUri, { error: "invalid_request", error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'.", state }));
    const challenge = q.get("code_challenge");
    const challengeMethod = q.get("code_challenge_method") ?? "plain";
    if (challenge && challengeMethod !== "S256" && challengeMethod !== "plain") {
      return redirect(withParams(redirectUri, { error: "invalid_request", error_description: "AADSTS501491: Invalid code_challenge_method.", state }));
    }
    const user = this.ctx.currentUser();
    const request: AuthorizeRequest = { userId: user.id, scopes, redirectUri, state, challenge, challengeMethod, nonce: q.get("nonce"), responseMode: q.get("response_mode") ?? "query" };
    const decision = q.get("prompt") === "none" ? "approve" : this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    return html(
      200,
      consentPage({
        provider: "Microsoft",
        appName: this.client.appName,
        account: { login: user.userPrincipalName, name: user.displayName },
        scopes: scopes.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? "Requested permission" })),
        redirectUri,
        action: `/${tenant}/oauth2/v2.0/authorize`,
        requestId: this.pending.put(request),
      }),
    );
  }

  /** POST /{tenant}/oauth2/v2.0/authorize: the consent form's Authorize / Cancel. */
  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("Microsoft", "Authorization expired", "This sign-in request has expired or was already answered. Start again from the application."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = `1.AXEA${randomBase62(40)}.${randomBase62(160)}`;
    this.codes.set(code, { ...request, expiresAt: this.ctx.now() + 10 * 60_000, used: false });
    return redirect(withParams(request.redirectUri, { code, state: request.state, session_state: randomUUID() }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(withParams(request.redirectUri, { error: "access_denied", error_description: "AADSTS65004: User declined to consent to access the app.", state: request.state }));
  }

  // ---- token endpoint ------------------------------------------------------

  token(req: DoubleRequest, tenant: string): DoubleResponse {
    const fail = (status: number, error: string, code: number, description: string) => aadError(status, error, code, description, this.loginUrl);
    if (!this.knownTenant(tenant)) return fail(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    if (req.method !== "POST") return fail(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    const p = params({ ...req, query: new URLSearchParams() }); // the token endpoint reads the form body only
    const basic = basicCredentials(req.headers);
    const clientId = basic?.user ?? p.client_id;
    const clientSecret = basic?.password ?? p.client_secret;
    if (!p.grant_type) return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (clientId !== this.client.clientId) return fail(400, "unauthorized_client", 700016, `Application with identifier '${clientId ?? ""}' was not found in the directory '${this.ctx.tenant.domain}'.`);
    if (!clientSecret) return fail(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (clientSecret !== this.client.clientSecret) return fail(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
    const now = this.ctx.now();

    if (p.grant_type === "authorization_code") {
      if (!p.code) return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'code'.");
      const code = this.codes.get(p.code);
      if (!code) return fail(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.");
      if (code.used) return fail(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
      if (code.expiresAt <= now) return fail(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
      if (p.redirect_uri !== code.redirectUri) return fail(400, "invalid_grant", 50148, "The redirect_uri in the token request does not match the one used in the authorization request.");
      if (code.challenge && !pkceMatches(code.challenge, code.challengeMethod, p.code_verifier)) {
        return fail(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
      }
      code.used = true;
      return json(200, this.tokenAnswer(code.userId, code.scopes, code.nonce), { "cache-control": "no-store, no-cache", pragma: "no-cache" });
    }
    if (p.grant_type === "refresh_token") {
      if (!p.refresh_token) return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'refresh_token'.");
      const record = this.refreshTokens.get(p.refresh_token);
      if (!record) return fail(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
      if (record.revoked) return fail(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
      if (record.expiresAt <= now) return fail(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90 days.");
      if (record.used && this.ctx.singleUseRefreshTokens) {
        return fail(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
      }
      record.used = true;
      const asked = parseMicrosoftScopes(p.scope).filter((s) => !OIDC_SCOPES.has(s));
      const extra = asked.find((s) => !record.scopes.includes(s));
      if (extra) return fail(400, "invalid_grant", 65001, `The user or administrator has not consented to use the application with ID '${this.client.clientId}'. Send an interactive authorization request for this user and resource.`);
      return json(200, this.tokenAnswer(record.userId, record.scopes, null), { "cache-control": "no-store, no-cache", pragma: "no-cache" });
    }
    return fail(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${p.grant_type}'.`);
  }

  private tokenAnswer(userId: string, scopes: string[], nonce: string | null): Record<string, unknown> {
    const { accessToken, refreshToken } = this.issue(userId, scopes);
    const answer: Record<string, unknown> = {
      token_type: "Bearer",
      scope: scopes.filter((s) => s !== "offline_access").map((s) => (OIDC_SCOPES.has(s) ? s : `${GRAPH}${s}`)).join(" "),
      expires_in: this.ctx.accessTokenTtlSeconds,
      ext_expires_in: this.ctx.accessTokenTtlSeconds,
      access_token: accessToken,
    };
    if (refreshToken) answer.refresh_token = refreshToken;
    if (scopes.includes("openid")) answer.id_token = this.idToken(userId, scopes, nonce);
    return answer;
  }

  /** Issues tokens as the token endpoint would (also createToken() for tests). A refresh token only with offline_access. */
  issue(userId: string, scopes: string[], expiresInSeconds?: number): { accessToken: string; refreshToken: string | null } {
    const now = this.ctx.now();
    const ttl = expiresInSeconds ?? this.ctx.accessTokenTtlSeconds;
    const header = b64url({ typ: "JWT", nonce: randomBase62(43), alg: "RS256", x5t: this.key.kid, kid: this.key.kid });
    const claims = b64url({ aud: "https://graph.microsoft.com", iss: `https://sts.windows.net/${this.ctx.tenant.id}/`, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + ttl, oid: userId, scp: scopes.join(" "), tid: this.ctx.tenant.id, uti: randomBase62(22), ver: "1.0" });
    // Looks like Graph's JWT access tokens; clients must treat it as opaque (the signature is random, not verifiable).
    const accessToken = `${header}.${claims}.${randomBase62(342)}`;
    this.tokens.set(accessToken, { userId, clientId: this.client.clientId, scopes, expiresAt: now + ttl * 1000 });
    let refreshToken: string | null = null;
    if (scopes.includes("offline_access")) {
      refreshToken = `1.AXEA${randomBase62(24)}-${randomBase62(300)}`;
      this.refreshTokens.set(refreshToken, { userId, scopes, expiresAt: now + this.ctx.refreshTokenTtlSeconds * 1000, revoked: false, used: false });
    }
    this.issued += 1;
    return { accessToken, refreshToken };
  }

  idToken(userId: string, scopes: string[], nonce: string | null): string {
    const person = this.ctx.people.get(userId)!;
    const now = Math.floor(this.ctx.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: this.client.clientId,
      iss: this.issuer(),
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: person.displayName,
      oid: person.id,
      preferred_username: person.userPrincipalName,
      rh: "0.AXEA.",
      sub: pairwiseSub(person.id, this.client.clientId),
      tid: this.ctx.tenant.id,
      uti: randomBase62(22),
      ver: "2.0",
    };
    if (scopes.includes("email")) claims.email = person.mail;
    if (this.client.optionalClaims?.includes("xms_edov")) claims.xms_edov = this.domainVerified(person.mail);
    if (nonce) claims.nonce = nonce;
    return this.key.sign(claims, { typ: "JWT" });
  }

  /** Did the tenant prove it owns the domain of this address? In the double: only its own domain. */
  private domainVerified(mail: string): boolean {
    return mail.toLowerCase().endsWith(`@${this.ctx.tenant.domain.toLowerCase()}`);
  }

  // ---- OpenID Connect metadata ----------------------------------------------

  openidConfiguration(tenant: string): DoubleResponse {
    const base = `${this.loginUrl}/${tenant}`;
    return json(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: this.discoveryIssuer(tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.loginUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
      tenant_region_scope: "EU",
      cloud_instance_name: "microsoftonline.com",
      msgraph_host: "graph.microsoft.com",
    });
  }

  /** The signing keys; like the common endpoint's, each names the placeholder issuer. */
  jwks(): DoubleResponse {
    const kid = this.key.kid;
    return json(200, { keys: [{ kty: "RSA", use: "sig", kid, x5t: kid, ...this.key.publicJwk, issuer: `${this.loginUrl}/${TENANT_PLACEHOLDER}/v2.0` }] });
  }

  userinfo(req: DoubleRequest): DoubleResponse {
    const token = credentialFrom(req.headers, ["bearer"]);
    const record = token ? this.tokens.get(token) : undefined;
    if (!record || record.expiresAt <= this.ctx.now()) return json(401, { error: { code: "InvalidAuthenticationToken", message: "Access token validation failure." } });
    const person = this.ctx.people.get(record.userId)!;
    return json(200, { sub: pairwiseSub(person.id, record.clientId), name: person.displayName, family_name: person.surname, given_name: person.givenName, email: person.mail, picture: "https://graph.microsoft.com/v1.0/me/photo/$value" });
  }

  /** The person (or an admin) revoked the app's sessions: refresh tokens answer AADSTS50173. Access tokens live until they expire, as in Entra ID. */
  revokeUser(userId: string): number {
    let count = 0;
    for (const record of this.refreshTokens.values()) if (record.userId === userId && !record.revoked) {
      record.revoked = true;
      count += 1;
    }
    return count;
  }
}

/** Entra's `sub` is pairwise: stable per user and app. */
function pairwiseSub(userId: string, clientId: string): string {
  return Buffer.from(`${userId}:${clientId}`).toString("base64url").slice(0, 43);
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
