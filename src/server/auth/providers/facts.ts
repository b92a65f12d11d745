/**
 * The sign-in providers as data: where each lives (relative to its base URL variable, so
 * GitHub Enterprise, sovereign clouds and the test doubles work like the public services),
 * what we ask for and why, and what the id_token must say before we believe an email
 * address. The modules beside this file only handle what differs from these facts.
 */

/** A base URL variable without its trailing slashes, ready for a path. */
export const baseUrl = (url: string) => url.replace(/\/+$/, "");

type Scope = { scope: string; why: string };
const joinScopes = (scopes: readonly Scope[]) => scopes.map((entry) => entry.scope).join(" ");

export const GITHUB_SIGN_IN = {
  /** Relative to GITHUB_BASE_URL (https://github.com). */
  authorizePath: "/login/oauth/authorize",
  tokenPath: "/login/oauth/access_token",
  /** next-auth wants an issuer for every provider; GitHub's OAuth (not OpenID) has none of its own. */
  issuerPath: "/login/oauth",
  /** Relative to GITHUB_API_URL (https://api.github.com). */
  userPath: "/user",
  emailsPath: "/user/emails",
  scopes: [
    { scope: "read:user", why: "Your name and avatar for the new account." },
    { scope: "user:email", why: "Your primary email address, which GitHub keeps private unless asked." },
  ],
} as const;

export const GOOGLE_SIGN_IN = {
  /** GOOGLE_OAUTH_URL (https://accounts.google.com) is also the id_token issuer; the consent page is below it. */
  authorizePath: "/o/oauth2/v2/auth",
  /** Relative to GOOGLE_API_URL (https://www.googleapis.com): the signing keys and userinfo. */
  jwksPath: "/oauth2/v3/certs",
  userinfoPath: "/oauth2/v3/userinfo",
  scopes: [
    { scope: "openid", why: "An id_token that says who signed in (its `sub`)." },
    { scope: "email", why: "The account's email address, for a new account." },
    { scope: "profile", why: "Your name and picture for the new account." },
  ],
} as const;

export const MICROSOFT_SIGN_IN = {
  /** Relative to MICROSOFT_LOGIN_URL (https://login.microsoftonline.com); `tenant` is MICROSOFT_TENANT. */
  discoveryPath: (tenant: string) => `/${tenant}/v2.0/.well-known/openid-configuration`,
  /**
   * The multi-tenant endpoints (common, organizations, consumers) name the issuer
   * `…/{tenantid}/v2.0`: each token's issuer is its own tenant's, read from its `tid`.
   */
  tenantPlaceholder: "{tenantid}",
  /** Tenant ids are GUIDs; nothing else may stand in for the placeholder. */
  tenantId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  scopes: [
    { scope: "openid", why: "An id_token that says who signed in (its `sub`) and in which tenant (`tid`)." },
    { scope: "profile", why: "Your name for the new account." },
    { scope: "email", why: "The `email` claim (when the account has one)." },
  ],
  /** Leeway for exp/nbf between our clock and Microsoft's, as next-auth allows its other providers. */
  clockToleranceSeconds: 10,
  /** Fetching the signing keys may take this long before sign-in fails. */
  keysTimeoutMs: 10_000,
} as const;

export const LINKEDIN_SIGN_IN = {
  /** Relative to LINKEDIN_OAUTH_URL (https://www.linkedin.com): names every endpoint, issuer `<url>/oauth`. */
  discoveryPath: "/oauth/.well-known/openid-configuration",
  /** LinkedIn reads the client credentials from the form body only (no HTTP Basic, openid-client's default). */
  tokenEndpointAuthMethod: "client_secret_post",
  scopes: [
    { scope: "openid", why: "An id_token that says who signed in (its `sub`)." },
    { scope: "profile", why: "Your name and photo for the new account." },
    { scope: "email", why: "Your primary email address and whether LinkedIn verified it." },
  ],
} as const;

export const scopeParam = {
  github: joinScopes(GITHUB_SIGN_IN.scopes),
  google: joinScopes(GOOGLE_SIGN_IN.scopes),
  microsoft: joinScopes(MICROSOFT_SIGN_IN.scopes),
  linkedin: joinScopes(LINKEDIN_SIGN_IN.scopes),
} as const;

/** The app's client id and secret for a provider, or undefined when the deployment does not offer it (env.ts requires both or neither). */
export function clientCredentials(id: string | undefined, secret: string | undefined): SignInClient | undefined {
  return id && secret ? { clientId: id, clientSecret: secret } : undefined;
}
export type SignInClient = { clientId: string; clientSecret: string };
