import { createHash, randomUUID } from "node:crypto";
import { credentialFrom, type DoubleRequest, type DoubleResponse, html, json, params, redirect } from "../shared/http";
import { SigningKey } from "../shared/id-token";
import { ConsentMode, consentPage, errorPage, PendingRequests, pkceMatches, randomBase62 } from "../shared/oauth";

/**
 * Sign In with LinkedIn using OpenID Connect
 * (https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2)
 * on LinkedIn's 3-legged OAuth 2.0 (https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow):
 *
 * - GET /oauth/v2/authorization?response_type=code&client_id&redirect_uri&state&scope
 *   shows the consent page (or answers at once, see ConsentMode) and redirects with ?code&state,
 *   or ?error=user_cancelled_authorize&error_description&state. A scope the app's products do not
 *   grant redirects with error=unauthorized_scope_error. An unknown client_id or an unregistered
 *   redirect_uri gets LinkedIn's error page, never a redirect.
 * - POST /oauth/v2/accessToken (form): grant_type=authorization_code, code, redirect_uri and the
 *   client credentials IN THE BODY: LinkedIn takes no HTTP Basic, so a client defaulting to
 *   client_secret_basic fails with "A required parameter "client_id" is missing". Codes are single
 *   use and live 30 minutes (PKCE checked when the authorization had a challenge). The answer:
 *   { access_token, expires_in: 5183999 (60 days), scope: "email,openid,profile" (comma
 *   separated), token_type: "Bearer", id_token (with openid) }; no refresh token (LinkedIn gives
 *   those to partners only). Errors: 400 invalid_request "Unable to retrieve access token: …",
 *   401 invalid_client "Client authentication failed".
 * - id_token: RS256 with the key at GET /oauth/openid/jwks, described by
 *   GET /oauth/.well-known/openid-configuration (the issuer is `${url}/oauth`, as
 *   https://www.linkedin.com/oauth is LinkedIn's). Claims iss, aud, iat, exp, sub (pairwise: per
 *   member and app), and with the scopes: name, given_name, family_name, picture, locale; email,
 *   email_verified. No nonce is echoed, so clients check state only.
 * - GET /v2/userinfo (Bearer; api.linkedin.com's): the same member claims, locale as
 *   { country, language }. 401 { serviceErrorCode: 65600, message: "Invalid access token", status: 401 }.
 */
export type LinkedInOAuthClient = {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  appName: string;
  /** What the app's products grant: "Sign In with LinkedIn using OpenID Connect" is openid, profile, email. */
  scopes: string[];
};

export type LinkedInMember = {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  /** Has the member confirmed their primary email address with LinkedIn? */
  emailVerified: boolean;
  locale: { country: string; language: string };
};

type AccessRecord = { memberId: string; scopes: string[]; expiresAt: number };
type CodeRecord = { memberId: string; scopes: string[]; redirectUri: string; challenge: string | null; challengeMethod: string; expiresAt: number; used: boolean };
type AuthorizeRequest = { memberId: string; scopes: string[]; redirectUri: string; state: string | null; challenge: string | null; challengeMethod: string };

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: "Use your name and photo",
  profile: "Use your name and photo",
  email: "Use the primary email address associated with your LinkedIn account",
  w_member_social: "Create, modify, and delete posts, comments, and reactions on your behalf",
};

export const ACCESS_TOKEN_TTL_SECONDS = 5_183_999;
const CODE_TTL_MS = 30 * 60_000;
const ID_TOKEN_TTL_SECONDS = 3600;
const CODE_MISMATCH = "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists";

const oauthError = (status: number, error: string, description: string) => json(status, { error, error_description: description }, { "cache-control": "no-store" });
const serviceError = (serviceErrorCode: number, message: string) => json(401, { serviceErrorCode, message, status: 401 });

export class LinkedInOAuth {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, AccessRecord>();
  private codes = new Map<string, CodeRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  /** LinkedIn's key ids are UUIDs. */
  private readonly signingKey = new SigningKey(randomUUID());
  issued = 0;

  constructor(
    readonly client: LinkedInOAuthClient,
    autoApprove: boolean,
    private readonly ctx: { now: () => number; url: () => string; members: Map<string, LinkedInMember>; currentMember: () => LinkedInMember },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  issuer = () => `${this.ctx.url()}/oauth`;

  /** The member's id for this app: LinkedIn's OIDC subjects are pairwise. */
  subjectOf(memberId: string): string {
    return createHash("sha256").update(`${memberId}:${this.client.clientId}`).digest("base64url").replace(/[-_]/g, "").slice(0, 10);
  }

  // ---- browser side --------------------------------------------------------

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    const fail = (message: string) => html(400, errorPage("LinkedIn", "Bummer, something went wrong.", message));
    if (q.get("client_id") !== this.client.clientId) return fail("The passed in client_id is invalid");
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.client.redirectUris.includes(redirectUri)) return fail("The redirect_uri does not match the registered value");
    const state = q.get("state");
    if (q.get("response_type") !== "code") return redirect(withParams(redirectUri, { error: "invalid_request", error_description: "Unsupported response type", state }));
    const scopes = [...new Set((q.get("scope") ?? "").split(/[\s,]+/).filter(Boolean))];
    const refused = scopes.find((scope) => !this.client.scopes.includes(scope));
    if (refused || scopes.length === 0) {
      return redirect(withParams(redirectUri, { error: "unauthorized_scope_error", error_description: `Scope "${refused ?? ""}" is not authorized for your application`, state }));
    }
    const challenge = q.get("code_challenge");
    const member = this.ctx.currentMember();
    const request: AuthorizeRequest = { memberId: member.id, scopes, redirectUri, state, challenge, challengeMethod: q.get("code_challenge_method") ?? "plain" };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    return html(
      200,
      consentPage({
        provider: "LinkedIn",
        appName: this.client.appName,
        account: { login: member.email, name: `${member.firstName} ${member.lastName}` },
        scopes: scopes.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? "Requested permission" })),
        redirectUri,
        action: "/oauth/v2/authorization",
        requestId: this.pending.put(request),
      }),
    );
  }

  /** POST /oauth/v2/authorization: the consent form's Authorize / Cancel. */
  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("LinkedIn", "This request has expired", "Go back to the application and sign in again."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = `AQ${randomBase62(150)}`;
    this.codes.set(code, { ...request, expiresAt: this.ctx.now() + CODE_TTL_MS, used: false });
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(withParams(request.redirectUri, { error: "user_cancelled_authorize", error_description: "The user cancelled the authorization", state: request.state }));
  }

  // ---- token endpoint ------------------------------------------------------

  token(req: DoubleRequest): DoubleResponse {
    // The form body only: LinkedIn reads neither the query string nor an Authorization header.
    const p = params({ ...req, query: new URLSearchParams() });
    for (const name of ["grant_type", "client_id", "client_secret"] as const) {
      if (!p[name]) return oauthError(400, "invalid_request", `A required parameter "${name}" is missing`);
    }
    if (p.client_id !== this.client.clientId || p.client_secret !== this.client.clientSecret) return oauthError(401, "invalid_client", "Client authentication failed");
    if (p.grant_type !== "authorization_code") return oauthError(400, "unsupported_grant_type", "Grant type is not supported");
    if (!p.code) return oauthError(400, "invalid_request", 'A required parameter "code" is missing');
    if (!p.redirect_uri) return oauthError(400, "invalid_request", 'A required parameter "redirect_uri" is missing');
    const code = this.codes.get(p.code);
    const pkceFails = code?.challenge ? !pkceMatches(code.challenge, code.challengeMethod, p.code_verifier) : false;
    if (!code || code.used || code.expiresAt <= this.ctx.now() || code.redirectUri !== p.redirect_uri || pkceFails) return oauthError(400, "invalid_request", CODE_MISMATCH);
    code.used = true;
    const accessToken = `AQV${randomBase62(300)}`;
    this.tokens.set(accessToken, { memberId: code.memberId, scopes: code.scopes, expiresAt: this.ctx.now() + ACCESS_TOKEN_TTL_SECONDS * 1000 });
    this.issued += 1;
    const answer: Record<string, unknown> = { access_token: accessToken, expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: [...code.scopes].sort().join(","), token_type: "Bearer" };
    if (code.scopes.includes("openid")) answer.id_token = this.idToken(code.memberId, code.scopes);
    return json(200, answer, { "cache-control": "no-store" });
  }

  /** The member claims the scopes allow (id_token and userinfo share them; userinfo's locale is an object). */
  private memberClaims(memberId: string, scopes: string[]): Record<string, unknown> {
    const member = this.ctx.members.get(memberId)!;
    const claims: Record<string, unknown> = { sub: this.subjectOf(memberId) };
    if (scopes.includes("profile")) {
      Object.assign(claims, {
        name: `${member.firstName} ${member.lastName}`,
        given_name: member.firstName,
        family_name: member.lastName,
        picture: `https://media.licdn.com/dms/image/v2/${this.subjectOf(memberId)}/profile-displayphoto-shrink_100_100/0/`,
        locale: member.locale,
      });
    }
    if (scopes.includes("email")) Object.assign(claims, { email: member.email, email_verified: member.emailVerified });
    return claims;
  }

  private idToken(memberId: string, scopes: string[]): string {
    const now = Math.floor(this.ctx.now() / 1000);
    const claims: Record<string, unknown> = { iss: this.issuer(), aud: this.client.clientId, iat: now, exp: now + ID_TOKEN_TTL_SECONDS, ...this.memberClaims(memberId, scopes) };
    const locale = claims.locale as LinkedInMember["locale"] | undefined;
    return this.signingKey.sign({ ...claims, ...(locale ? { locale: `${locale.language}-${locale.country}` } : {}) });
  }

  // ---- OpenID Connect ----------------------------------------------------------

  openIdConfiguration(): DoubleResponse {
    const url = this.ctx.url();
    return json(200, {
      issuer: this.issuer(),
      authorization_endpoint: `${url}/oauth/v2/authorization`,
      token_endpoint: `${url}/oauth/v2/accessToken`,
      userinfo_endpoint: `${url}/v2/userinfo`,
      jwks_uri: `${url}/oauth/openid/jwks`,
      response_types_supported: ["code"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "profile", "email"],
      claims_supported: ["iss", "aud", "iat", "exp", "sub", "name", "given_name", "family_name", "picture", "email", "email_verified", "locale"],
    });
  }

  jwks(): DoubleResponse {
    return json(200, { keys: [{ ...this.signingKey.publicJwk, use: "sig", kid: this.signingKey.kid, alg: "RS256" }] });
  }

  userinfo(req: DoubleRequest): DoubleResponse {
    const token = credentialFrom(req.headers, ["bearer"]);
    if (!token) return serviceError(65604, "Empty oauth2 access token");
    const record = this.tokens.get(token);
    if (!record || record.expiresAt <= this.ctx.now()) return serviceError(65600, "Invalid access token");
    return json(200, this.memberClaims(record.memberId, record.scopes));
  }
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
