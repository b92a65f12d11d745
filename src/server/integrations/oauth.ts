import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { oauthStates } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import type { OAuthClientSettings, ProviderId } from "./provider";
import { ProviderError, providerName, resilientFetch } from "./resilience";
import { openToken, sealToken } from "./token-vault";
import { CONNECT_ERRORS } from "~/lib/connect-errors";

/** How long a user has to finish at the provider; the state is single use. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

const base64url = (bytes: Buffer) => bytes.toString("base64url");
const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** The exact redirect URI registered with the provider: one per provider, on this deployment. */
export function redirectUriFor(env: Env, provider: ProviderId): string {
  return `${env.appUrl}/api/integrations/${provider}/callback`;
}

/**
 * Starts an authorization: a random state bound to the user (stored hashed) and,
 * where supported, a PKCE verifier (stored sealed); returns the provider's URL.
 */
export async function startAuthorization(db: DbOrTx, env: Env, userId: string, provider: ProviderId, oauth: OAuthClientSettings) {
  const state = base64url(randomBytes(32));
  const verifier = oauth.pkce ? base64url(randomBytes(48)) : null;
  const redirectUri = redirectUriFor(env, provider);
  await db.insert(oauthStates).values({
    stateHash: sha256(state).toString("hex"),
    userId,
    provider,
    redirectUri,
    codeVerifier: verifier === null ? null : sealToken(verifier, { userId, provider, purpose: "pkce" }),
    expiresAt: new Date(Date.now() + OAUTH_STATE_TTL_MS),
  });
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set("client_id", oauth.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set(oauth.scopeParam ?? "scope", oauth.scopes.map((entry) => entry.scope).join(oauth.scopeSeparator));
  url.searchParams.set("state", state);
  if (verifier !== null) {
    url.searchParams.set("code_challenge", base64url(sha256(verifier)));
    url.searchParams.set("code_challenge_method", "S256");
  }
  for (const [key, value] of Object.entries(oauth.extraAuthorizeParams ?? {})) url.searchParams.set(key, value);
  return { authorizationUrl: url.toString(), expiresAt: new Date(Date.now() + OAUTH_STATE_TTL_MS) };
}

/**
 * Consumes a state: single use, but only by the account and provider that started it.
 * The delete is conditioned on the owner, so a callback arriving with another
 * account's state (a forged link, a shared browser) is refused and leaves that
 * state untouched for its owner's own callback. An expired state of one's own is
 * deleted and refused.
 */
export async function consumeState(db: DbOrTx, userId: string, provider: ProviderId, state: string) {
  const stateHash = sha256(state).toString("hex");
  const name = providerName(provider);
  const [row] = await db
    .delete(oauthStates)
    .where(and(eq(oauthStates.stateHash, stateHash), eq(oauthStates.userId, userId), eq(oauthStates.provider, provider)))
    .returning();
  if (!row) {
    const [other] = await db.select({ userId: oauthStates.userId, provider: oauthStates.provider }).from(oauthStates).where(eq(oauthStates.stateHash, stateHash));
    if (other && other.provider === provider && other.userId !== userId) throw new AppError("FORBIDDEN", CONNECT_ERRORS.otherAccount(name));
    throw new AppError("BAD_REQUEST", CONNECT_ERRORS.unknownState(name));
  }
  if (row.expiresAt.getTime() < Date.now()) throw new AppError("BAD_REQUEST", CONNECT_ERRORS.expired(name));
  return {
    redirectUri: row.redirectUri,
    codeVerifier: row.codeVerifier === null ? null : openToken(row.codeVerifier, { userId, provider, purpose: "pkce" }),
  };
}

const ZTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
});
const ZTokenError = z.object({ error: z.string(), error_description: z.string().optional() });

export type GrantedTokens = { accessToken: string; refreshToken: string | null; expiresAt: Date | null; scopes: string[] | null };

/** POSTs to the provider's token endpoint (code exchange or refresh) and reads the answer, errors included. */
async function requestTokens(provider: ProviderId, oauth: OAuthClientSettings, params: Record<string, string>): Promise<GrantedTokens> {
  const response = await resilientFetch(
    provider,
    oauth.tokenUrl,
    {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: oauth.clientId, client_secret: oauth.clientSecret, ...params }),
    },
    // RFC 6749 §5.2: errors come as 400 (or 401 for client authentication) with a JSON body.
    { answerStatuses: [400, 401] },
  );
  const body: unknown = await response.json().catch(() => null);
  const granted = ZTokenResponse.safeParse(body);
  if (response.ok && granted.success) {
    const { access_token, refresh_token, expires_in, scope } = granted.data;
    return {
      accessToken: access_token,
      refreshToken: refresh_token ?? null,
      expiresAt: expires_in ? new Date(Date.now() + expires_in * 1000) : null,
      scopes: scope === undefined ? null : scope.split(/[ ,]+/).filter(Boolean),
    };
  }
  const refused = ZTokenError.safeParse(body);
  const reason = refused.success ? `${refused.data.error}${refused.data.error_description ? `: ${refused.data.error_description}` : ""}` : "an unexpected answer";
  throw new ProviderError(provider, "unauthorized", `${providerName(provider)} refused the authorization (${reason}).`);
}

export function exchangeCode(provider: ProviderId, oauth: OAuthClientSettings, grant: { code: string; redirectUri: string; codeVerifier: string | null }) {
  return requestTokens(provider, oauth, {
    grant_type: "authorization_code",
    code: grant.code,
    redirect_uri: grant.redirectUri,
    ...(grant.codeVerifier ? { code_verifier: grant.codeVerifier } : {}),
  });
}

export function refreshTokens(provider: ProviderId, oauth: OAuthClientSettings, refreshToken: string) {
  return requestTokens(provider, oauth, { grant_type: "refresh_token", refresh_token: refreshToken });
}

