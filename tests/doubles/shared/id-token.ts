import { createHash, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { randomBase62 } from "./oauth";

/**
 * An OpenID provider's signing key, shared by the doubles that issue id_tokens (Google,
 * Microsoft, LinkedIn): a fresh RSA key per double, published as a JWK under a `kid`, and
 * RS256 JWTs signed with it, so a client verifies them exactly as it would the provider's.
 */
export class SigningKey {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  /** The public half as a JWK (kty, n, e), without use/alg/kid: each provider publishes its own fields. */
  readonly publicJwk: Record<string, unknown>;

  constructor(kid = randomBase62(27)) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.kid = kid;
    this.privateKey = privateKey;
    this.publicJwk = publicKey.export({ format: "jwk" });
  }

  /** A compact RS256 JWS of `claims`; `header` adds fields (typ, x5t…) to { alg, kid }. */
  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const input = `${base64urlJson({ alg: "RS256", kid: this.kid, ...header })}.${base64urlJson(claims)}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(this.privateKey).toString("base64url")}`;
  }
}

export const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** OIDC Core 3.1.3.6: the left half of the access token's SHA-256, base64url (RS256's hash). */
export function accessTokenHash(accessToken: string): string {
  const digest = createHash("sha256").update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}
