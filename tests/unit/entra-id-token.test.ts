import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyEntraIdToken } from "~/server/auth/providers/microsoft";
import { SigningKey } from "../doubles/shared/id-token";

// The id_token check behind "Sign in with Microsoft": Entra's multi-tenant endpoints name the
// issuer https://login.microsoftonline.com/{tenantid}/v2.0, each token's own tenant in the
// placeholder. The keys are served from a data: URL, as a JWKS endpoint would answer.

const LOGIN = "https://login.microsoftonline.com";
const TEMPLATE = `${LOGIN}/{tenantid}/v2.0`;
const CLIENT_ID = "6f1c3a52-8d0e-4b7a-9c1e-5d3e9a7b0c21";
const TENANT = "4d2b8f3e-1a6c-4e5f-9b7d-0c8a2e6f1b39";
const OTHER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const nowSeconds = Math.floor(NOW / 1000);

const key = new SigningKey();
const jwksUri = `data:application/json,${encodeURIComponent(JSON.stringify({ keys: [{ kty: "RSA", use: "sig", kid: key.kid, ...key.publicJwk }] }))}`;

function token(overrides: Record<string, unknown> = {}, signer = key): string {
  return signer.sign({ aud: CLIENT_ID, iss: `${LOGIN}/${TENANT}/v2.0`, tid: TENANT, sub: "AAAAAAAA", iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + 3600, nonce: "n-1", ver: "2.0", ...overrides }, { typ: "JWT" });
}

const check = (idToken: string, expected: Partial<Parameters<typeof verifyEntraIdToken>[1]> = {}) =>
  verifyEntraIdToken(idToken, { issuer: TEMPLATE, jwksUri, clientId: CLIENT_ID, nonce: "n-1", now: NOW, ...expected });

describe("verifyEntraIdToken", () => {
  it("accepts a token whose issuer is the template with its own tid", async () => {
    await expect(check(token())).resolves.toMatchObject({ tid: TENANT, sub: "AAAAAAAA" });
    const personal = token({ tid: OTHER_TENANT, iss: `${LOGIN}/${OTHER_TENANT}/v2.0` });
    await expect(check(personal)).resolves.toMatchObject({ tid: OTHER_TENANT });
  });

  it("refuses an issuer that is not the token's own tenant, or another issuer than the configured one", async () => {
    await expect(check(token({ iss: `${LOGIN}/${OTHER_TENANT}/v2.0` }))).rejects.toThrow(/issued by .*9188040d.*, not .*4d2b8f3e/);
    await expect(check(token({ iss: `https://evil.example/${TENANT}/v2.0` }))).rejects.toThrow(/issued by/);
    // A single-tenant configuration discovers a concrete issuer: other tenants' tokens fail.
    const single = `${LOGIN}/${TENANT}/v2.0`;
    await expect(check(token(), { issuer: single })).resolves.toBeDefined();
    await expect(check(token({ tid: OTHER_TENANT, iss: `${LOGIN}/${OTHER_TENANT}/v2.0` }), { issuer: single })).rejects.toThrow(/issued by/);
  });

  it("refuses a tid that is not a tenant id (it would be spliced into the issuer)", async () => {
    await expect(check(token({ tid: "x/../4d2b8f3e", iss: `${LOGIN}/x/../4d2b8f3e/v2.0` }))).rejects.toThrow(/tid is not a tenant id/);
  });

  it("refuses a signature by another key, another audience, an expired or future token, another nonce", async () => {
    await expect(check(token({}, new SigningKey(key.kid)))).rejects.toThrow(/signature does not verify/);
    await expect(check(token({}, new SigningKey()))).rejects.toThrow(/not among the published signing keys/);
    await expect(check(token({ aud: randomUUID() }))).rejects.toThrow(/another application/);
    await expect(check(token({ exp: nowSeconds - 60 }))).rejects.toThrow(/expired/);
    await expect(check(token({ nbf: nowSeconds + 60 }))).rejects.toThrow(/not valid yet/);
    await expect(check(token({ nonce: "n-2" }))).rejects.toThrow(/nonce/);
    await expect(check(token({ nonce: undefined }))).rejects.toThrow(/nonce/);
    // Within the clock tolerance, a few seconds apart is fine.
    await expect(check(token({ nbf: nowSeconds + 5 }))).resolves.toBeDefined();
  });

  it("refuses anything but RS256", async () => {
    const [, payload, signature] = token().split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: key.kid })).toString("base64url")}.${payload}.${signature}`;
    await expect(check(none)).rejects.toThrow(/algorithm none/);
  });
});
