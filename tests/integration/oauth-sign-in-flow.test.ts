import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { oauthAccounts, users } from "~/server/db/schema";
import { type GoogleDouble, startGoogleDouble } from "../doubles/google/server";
import { type LinkedInDouble, startLinkedInDouble } from "../doubles/linkedin/server";
import { type MicrosoftDouble, startMicrosoftDouble } from "../doubles/microsoft/server";
import { signedUpUser, uniqueEmail } from "../support/callers";
import { useEnv, withEnv } from "../support/env";
import { signInThroughProvider } from "../support/next-auth-flow";

// "Sign in with Google / Microsoft / LinkedIn" end to end: next-auth with the app's options,
// each provider's double (discovery, consent, code exchange, signed id_token), our database.
// The linking rule under test: an identity never joins an account that already has its email,
// even when the provider vouches for the address; only the signed-in owner links it (account page).

const CALLBACK_BASE = "http://localhost:3000/api/auth/callback";

let google: GoogleDouble;
let microsoft: MicrosoftDouble;
let linkedIn: LinkedInDouble;

beforeAll(async () => {
  // Fresh client ids: Microsoft's and LinkedIn's subjects are pairwise per app, so every run's identities are new.
  [google, microsoft, linkedIn] = await Promise.all([
    startGoogleDouble({ autoApprove: true, demo: false }),
    startMicrosoftDouble({ autoApprove: true, demo: false, clientId: randomUUID() }),
    startLinkedInDouble({ autoApprove: true, clientId: `86${randomUUID().slice(0, 12)}` }),
  ]);
  microsoft.addRedirectUri(`${CALLBACK_BASE}/microsoft`);
  await getDb();
}, 120_000);
afterAll(() => Promise.all([google.close(), microsoft.close(), linkedIn.close()]));

useEnv(() => ({
  ...google.appEnv,
  ...microsoft.appEnv,
  MICROSOFT_TENANT: "common",
  LINKEDIN_CLIENT_ID: linkedIn.oauth.clientId,
  LINKEDIN_CLIENT_SECRET: linkedIn.oauth.clientSecret,
  LINKEDIN_OAUTH_URL: linkedIn.url,
}));

async function linksOf(userId: string) {
  const db = await getDb();
  return db.select({ provider: oauthAccounts.provider, providerAccountId: oauthAccounts.providerAccountId }).from(oauthAccounts).where(eq(oauthAccounts.userId, userId));
}

async function userByEmail(email: string) {
  const [user] = await (await getDb()).select({ id: users.id, name: users.name }).from(users).where(eq(users.email, email));
  return user;
}

/** Signs in with `provider` and expects a refusal: back on the sign-in page with next-auth's code and the provider, no session, the account's identities unchanged. */
async function expectRefused(provider: string, existingUserId: string) {
  const linksBefore = await linksOf(existingUserId);
  const outcome = await signInThroughProvider(provider);
  expect(outcome.session).toBeNull();
  expect(outcome.location.pathname).toBe("/sign-in");
  expect(outcome.location.searchParams.get("error")).toBe("OAuthAccountNotLinked");
  expect(outcome.location.searchParams.get("provider")).toBe(provider);
  expect(await linksOf(existingUserId)).toEqual(linksBefore);
}

/** Microsoft's seeded people are mutable: each test gives one a fresh address (a tenant admin can type any). */
function microsoftPerson(name: "Ana Lima" | "Bruno Costa", mail: string) {
  const person = microsoft.people().find((p) => p.displayName === name)!;
  person.mail = mail;
  microsoft.signInAs(person.id);
  return person;
}

describe("Sign in with Microsoft (Entra ID, tenant common)", () => {
  it("creates an account for a new identity: the per-tenant issuer ({tenantid}) is accepted for the token's own tenant", async () => {
    const mail = `ana-${randomUUID()}@${microsoft.tenant.domain}`;
    microsoftPerson("Ana Lima", mail);
    const outcome = await signInThroughProvider("microsoft");
    expect(outcome.authorizationUrl.pathname).toBe("/common/oauth2/v2.0/authorize");
    expect(outcome.authorizationUrl.searchParams.get("scope")).toBe("openid profile email");
    expect(outcome.authorizationUrl.searchParams.get("nonce")).toBeTruthy();
    expect(outcome.authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(outcome.location.pathname).toBe("/dashboard");

    const user = await userByEmail(mail);
    expect(user).toMatchObject({ name: "Ana Lima" });
    expect(outcome.session?.userId).toBe(user!.id);
    expect((await linksOf(user!.id)).map((link) => link.provider)).toEqual(["microsoft"]);

    // Again: the same identity signs in to the same account (found by its subject, not its email).
    microsoftPerson("Ana Lima", `ana-renamed-${randomUUID()}@${microsoft.tenant.domain}`);
    expect((await signInThroughProvider("microsoft")).session?.userId).toBe(user!.id);
  });

  it("does not join an existing account on Entra's email alone: without xms_edov, or with xms_edov false", async () => {
    const { user, email } = await signedUpUser("victim");
    microsoftPerson("Bruno Costa", email);
    microsoft.oauth.optionalClaims = [];
    await expectRefused("microsoft", user.id);

    // The app registration asks for xms_edov, but the tenant does not own example.test.
    microsoft.oauth.optionalClaims = ["xms_edov"];
    await expectRefused("microsoft", user.id);
  });

  it("does not join an existing account even when the tenant owns the email's domain (xms_edov true)", async () => {
    microsoft.oauth.optionalClaims = ["xms_edov"];
    const { user } = await signedUpUser("entra");
    const mail = `bruno-${randomUUID()}@${microsoft.tenant.domain}`;
    await (await getDb()).update(users).set({ email: mail }).where(eq(users.id, user.id));
    microsoftPerson("Bruno Costa", mail);
    await expectRefused("microsoft", user.id);
  });

  it("signs in with a single-tenant configuration too (the tenant's own issuer, as the sandbox uses)", async () => {
    const mail = `single-${randomUUID()}@${microsoft.tenant.domain}`;
    microsoftPerson("Ana Lima", mail);
    await withEnv({ MICROSOFT_TENANT: microsoft.tenant.id }, async () => {
      const outcome = await signInThroughProvider("microsoft");
      expect(outcome.authorizationUrl.pathname).toBe(`/${microsoft.tenant.id}/oauth2/v2.0/authorize`);
      expect(outcome.session).not.toBeNull();
    });
  });
});

describe("Sign in with LinkedIn (OpenID Connect)", () => {
  it("creates an account for a new member (credentials in the form body, as LinkedIn requires)", async () => {
    const email = uniqueEmail("member");
    linkedIn.signInAs(linkedIn.addMember({ email, firstName: "Grace", lastName: "Hopper" }));
    const outcome = await signInThroughProvider("linkedin");
    expect(outcome.authorizationUrl.pathname).toBe("/oauth/v2/authorization");
    expect(outcome.authorizationUrl.searchParams.get("scope")).toBe("openid profile email");
    expect(outcome.location.pathname).toBe("/dashboard");
    const user = await userByEmail(email);
    expect(user).toMatchObject({ name: "Grace Hopper" });
    expect(outcome.session?.userId).toBe(user!.id);
    expect(await linksOf(user!.id)).toEqual([{ provider: "linkedin", providerAccountId: expect.any(String) }]);
  });

  it("does not join an existing account with a LinkedIn-verified email", async () => {
    const { user, email } = await signedUpUser("li-verified");
    linkedIn.signInAs(linkedIn.addMember({ email, firstName: "Verified", lastName: "Member", emailVerified: true }));
    await expectRefused("linkedin", user.id);
  });

  it("does not join an existing account with an email the member never confirmed", async () => {
    const { user, email } = await signedUpUser("li-unverified");
    linkedIn.signInAs(linkedIn.addMember({ email, firstName: "Unverified", lastName: "Member", emailVerified: false }));
    await expectRefused("linkedin", user.id);
  });
});

describe("Sign in with Google against GOOGLE_OAUTH_URL (no accounts.google.com discovery)", () => {
  it("creates an account for a new email; a Google-verified email of a password account is refused until the owner links Google", async () => {
    const newcomer = uniqueEmail("google-new");
    google.addAccount({ email: newcomer, name: "Ada Lovelace" });
    google.signInAs(newcomer);
    const created = await signInThroughProvider("google");
    expect(created.authorizationUrl.origin + created.authorizationUrl.pathname).toBe(`${google.oauthUrl}/o/oauth2/v2/auth`);
    const user = await userByEmail(newcomer);
    expect(user).toMatchObject({ name: "Ada Lovelace" });
    expect(created.session?.userId).toBe(user!.id);

    // Someone registered this address with a password before its owner ever signed in with Google.
    const { user: existing, email } = await signedUpUser("google-existing");
    google.addAccount({ email, name: "Existing User" });
    google.signInAs(email);
    await expectRefused("google", existing.id);
    expect(await userByEmail(email)).toMatchObject({ id: existing.id });

    // The account's owner, signed in, links Google on the account page; from then on Google signs in to it.
    const linking = await signInThroughProvider("google", { linkToUserId: existing.id });
    expect(linking.location.pathname + linking.location.search).toBe("/settings/account?linked=google");
    const signedIn = await signInThroughProvider("google");
    expect(signedIn.location.pathname).toBe("/dashboard");
    expect(signedIn.session?.userId).toBe(existing.id);
    expect((await linksOf(existing.id)).map((link) => link.provider)).toEqual(["google"]);
  });
});

describe("linking from the account page (a signed-in browser)", () => {
  it("links a LinkedIn identity to the signed-in user whatever its email, once", async () => {
    const { user } = await signedUpUser("linker");
    const member = linkedIn.addMember({ email: uniqueEmail("elsewhere"), firstName: "Other", lastName: "Address", emailVerified: false });
    linkedIn.signInAs(member);
    const outcome = await signInThroughProvider("linkedin", { linkToUserId: user.id });
    expect(outcome.location.pathname + outcome.location.search).toBe("/settings/account?linked=linkedin");
    expect(await linksOf(user.id)).toEqual([{ provider: "linkedin", providerAccountId: linkedIn.subjectOf(member) }]);

    // The same LinkedIn member cannot also be linked to someone else.
    const { user: other } = await signedUpUser("linker-2");
    const again = await signInThroughProvider("linkedin", { linkToUserId: other.id });
    expect(again.location.searchParams.get("linkError")).toBe("identity_in_use");
    const db = await getDb();
    expect(await db.select().from(oauthAccounts).where(and(eq(oauthAccounts.userId, other.id), eq(oauthAccounts.provider, "linkedin")))).toEqual([]);
  });
});
