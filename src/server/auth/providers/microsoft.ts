import { createPublicKey, type JsonWebKey, verify } from "node:crypto";
import type { TokenSet } from "next-auth";
import AzureADProvider from "next-auth/providers/azure-ad";
import type { TokenEndpointHandler } from "next-auth/providers/oauth";
import { z } from "zod";
import { providerCompany } from "~/lib/providers";
import type { Env } from "../../env";
import { type ProfileIdentity, type ProviderProfile, stringClaim } from "./claims";
import { baseUrl, MICROSOFT_SIGN_IN, scopeParam, type SignInClient } from "./facts";

type TokenRequest = NonNullable<Exclude<TokenEndpointHandler, string>["request"]>;

/**
 * "Sign in with Microsoft": Entra ID work or school accounts and personal Microsoft accounts,
 * through next-auth's AzureAD provider on MICROSOFT_LOGIN_URL and MICROSOFT_TENANT (default
 * "common"). The sign-in method is "microsoft" (as the Outlook integration's provider id;
 * the two never share a row), not the provider's "azure-ad".
 *
 * The issuer: the multi-tenant endpoints name `…/{tenantid}/v2.0`, each token's own tenant in
 * the placeholder. openid-client substitutes it only when the discovery URL is literally
 * https://login.microsoftonline.com/common…, so with another MICROSOFT_LOGIN_URL (a sovereign
 * cloud, the sandbox) or "organizations"/"consumers" it would refuse every token. The code
 * exchange is therefore ours (client.grant, with the state, PKCE and nonce next-auth keeps)
 * and so is the id_token check: verifyEntraIdToken. A single-tenant configuration discovers
 * that tenant's own issuer, so tokens from any other tenant fail the same check.
 */
export function microsoftSignIn(env: Env, { clientId, clientSecret }: SignInClient) {
  const discovery = `${baseUrl(env.MICROSOFT_LOGIN_URL)}${MICROSOFT_SIGN_IN.discoveryPath(env.MICROSOFT_TENANT)}`;
  const provider = AzureADProvider({
    clientId,
    clientSecret,
    tenantId: env.MICROSOFT_TENANT,
    // appid: the app's own signing keys, should it have custom ones.
    wellKnown: `${discovery}?appid=${encodeURIComponent(clientId)}`,
    authorization: { params: { scope: scopeParam.microsoft } },
    checks: ["pkce", "state", "nonce"],
    token: { request: exchangeCodeForVerifiedTokens },
    // The provider's own profile() fetches a photo from graph.microsoft.com, whatever MICROSOFT_GRAPH_URL says.
    profile: (claims) => ({ id: claims.sub, name: stringClaim(claims, "name") ?? null, email: stringClaim(claims, "email") ?? null, image: null }),
  });
  return { ...provider, id: "microsoft", name: providerCompany("microsoft") };
}

/** What openid-client's callback() would do, with Entra's per-tenant issuer: state, code exchange, id_token. */
const exchangeCodeForVerifiedTokens: TokenRequest = async ({ client, params, checks, provider }) => {
  if (params.state !== checks.state) throw new Error("Microsoft sign-in: the answer does not belong to this browser's sign-in (state mismatch).");
  if (!params.code) throw new Error("Microsoft sign-in: the answer carries no authorization code.");
  const tokens: TokenSet = await client.grant({
    grant_type: "authorization_code",
    code: params.code,
    redirect_uri: provider.callbackUrl,
    code_verifier: checks.code_verifier,
  });
  if (!tokens.id_token) throw new Error("Microsoft sign-in: the token answer has no id_token.");
  const { issuer, jwks_uri: jwksUri } = client.issuer.metadata;
  if (!issuer || !jwksUri) throw new Error("Microsoft sign-in: the discovery document names no issuer or keys.");
  await verifyEntraIdToken(tokens.id_token, { issuer, jwksUri, clientId: client.metadata.client_id, nonce: "nonce" in checks ? checks.nonce : undefined });
  return { tokens };
};

const ZJwtHeader = z.looseObject({ alg: z.string(), kid: z.string().optional() });
const ZEntraClaims = z.looseObject({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  azp: z.string().optional(),
  tid: z.string().regex(MICROSOFT_SIGN_IN.tenantId, "tid is not a tenant id"),
  exp: z.number(),
  nbf: z.number().optional(),
  nonce: z.string().optional(),
});
const ZJwks = z.object({ keys: z.array(z.looseObject({ kid: z.string().optional(), kty: z.string() })) });

const decodeSegment = (segment: string) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;

/**
 * Checks an Entra id_token as OIDC Core 3.1.3.7 asks: an RS256 signature by a key from the
 * discovered JWKS, the issuer (the discovered one, its {tenantid} replaced by the token's own
 * tid), our client id as audience, not expired or not yet valid, and the nonce of this sign-in.
 * Returns the claims; throws on the first failure.
 */
export async function verifyEntraIdToken(
  idToken: string,
  expected: { issuer: string; jwksUri: string; clientId: string; nonce: string | undefined; now?: number },
): Promise<z.infer<typeof ZEntraClaims>> {
  const [headerPart, payloadPart, signaturePart] = idToken.split(".");
  if (!headerPart || !payloadPart || !signaturePart) throw new Error("Microsoft sign-in: the id_token is not a signed JWT.");
  const header = ZJwtHeader.parse(decodeSegment(headerPart));
  if (header.alg !== "RS256") throw new Error(`Microsoft sign-in: unexpected id_token algorithm ${header.alg}.`);

  const response = await fetch(expected.jwksUri, { signal: AbortSignal.timeout(MICROSOFT_SIGN_IN.keysTimeoutMs) });
  if (!response.ok) throw new Error(`Microsoft sign-in: the signing keys answered ${response.status}.`);
  const key = ZJwks.parse(await response.json()).keys.find((candidate) => candidate.kty === "RSA" && candidate.kid === header.kid);
  if (!key) throw new Error("Microsoft sign-in: the id_token's key is not among the published signing keys.");
  const publicKey = createPublicKey({ key: key as JsonWebKey, format: "jwk" });
  if (!verify("RSA-SHA256", Buffer.from(`${headerPart}.${payloadPart}`), publicKey, Buffer.from(signaturePart, "base64url"))) {
    throw new Error("Microsoft sign-in: the id_token's signature does not verify.");
  }

  const claims = ZEntraClaims.parse(decodeSegment(payloadPart));
  const issuer = expected.issuer.replace(MICROSOFT_SIGN_IN.tenantPlaceholder, claims.tid);
  if (claims.iss !== issuer) throw new Error(`Microsoft sign-in: the id_token was issued by ${claims.iss}, not ${issuer}.`);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId) || (audiences.length > 1 && claims.azp !== expected.clientId)) {
    throw new Error("Microsoft sign-in: the id_token is meant for another application.");
  }
  const now = Math.floor((expected.now ?? Date.now()) / 1000);
  const tolerance = MICROSOFT_SIGN_IN.clockToleranceSeconds;
  if (claims.exp <= now - tolerance) throw new Error("Microsoft sign-in: the id_token has expired.");
  if (claims.nbf !== undefined && claims.nbf > now + tolerance) throw new Error("Microsoft sign-in: the id_token is not valid yet.");
  if (claims.nonce !== expected.nonce) throw new Error("Microsoft sign-in: the id_token's nonce is not this sign-in's.");
  return claims;
}

/**
 * Entra's `email` is not proof of anything: a tenant admin can type any address into a user's
 * mail attribute (the "nOAuth" account takeover), and the v2.0 id_token has no email_verified.
 * It names a new account only; an address that already has one is refused (resolveOAuthUser).
 */
export function microsoftIdentity(profile: ProviderProfile): ProfileIdentity {
  return { email: stringClaim(profile, "email"), name: stringClaim(profile, "name"), image: undefined };
}
