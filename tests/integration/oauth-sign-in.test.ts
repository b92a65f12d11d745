import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { OAuthButtons } from "~/components/auth/oauth-buttons";
import { buildAuthOptions, enabledSignInProviders } from "~/server/auth/options";
import { offeredSignInMethods } from "~/server/auth/providers";
import { linkOAuthIdentity } from "~/server/auth/account";
import { accountNotLinkedMessage, OAUTH_ACCOUNT_NOT_LINKED, resolveOAuthUser } from "~/server/auth/oauth-accounts";
import { getDb } from "~/server/db/client";
import { oauthAccounts, users } from "~/server/db/schema";
import { parseEnv } from "~/server/env";
import { signedUpUser, uniqueEmail } from "../support/callers";

describe("sign-in providers", () => {
  const secret = "s".repeat(32);
  const everyProvider = {
    GITHUB_CLIENT_ID: "gh-id",
    GITHUB_CLIENT_SECRET: "gh-secret",
    GOOGLE_CLIENT_ID: "g-id",
    GOOGLE_CLIENT_SECRET: "g-secret",
    MICROSOFT_CLIENT_ID: "ms-id",
    MICROSOFT_CLIENT_SECRET: "ms-secret",
    LINKEDIN_CLIENT_ID: "li-id",
    LINKEDIN_CLIENT_SECRET: "li-secret",
  };

  it("are off without client ids and switch on when configured", () => {
    const plain = parseEnv({});
    expect(buildAuthOptions(plain, secret).providers.map((p) => p.id)).toEqual(["credentials"]);
    expect(enabledSignInProviders(plain)).toEqual({ credentials: true, github: false, google: false, microsoft: false, linkedin: false });

    const configured = parseEnv(everyProvider);
    expect(buildAuthOptions(configured, secret).providers.map((p) => p.id)).toEqual(["credentials", "github", "google", "microsoft", "linkedin"]);
    expect(enabledSignInProviders(configured)).toEqual({ credentials: true, github: true, google: true, microsoft: true, linkedin: true });
  });

  it("a LinkedIn client id needs its secret, as every provider's does", () => {
    expect(() => parseEnv({ LINKEDIN_CLIENT_ID: "li-id" })).toThrow(/LINKEDIN_CLIENT_SECRET/);
  });

  it("the sign-in page shows a 'Continue with …' button for each configured provider, and only those", () => {
    const buttons = (env: Record<string, string>) => {
      const html = renderToStaticMarkup(createElement(OAuthButtons, { providers: offeredSignInMethods(parseEnv(env)), callbackUrl: "/dashboard" }));
      return [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((match) => match[1]);
    };
    expect(buttons({})).toEqual([]);
    expect(buttons({ MICROSOFT_CLIENT_ID: "ms-id", MICROSOFT_CLIENT_SECRET: "ms-secret" })).toEqual(["Continue with Microsoft"]);
    expect(buttons({ LINKEDIN_CLIENT_ID: "li-id", LINKEDIN_CLIENT_SECRET: "li-secret", GITHUB_CLIENT_ID: "gh-id", GITHUB_CLIENT_SECRET: "gh-secret" })).toEqual([
      "Continue with GitHub",
      "Continue with LinkedIn",
    ]);
    expect(buttons(everyProvider)).toEqual(["Continue with GitHub", "Continue with Google", "Continue with Microsoft", "Continue with LinkedIn"]);
  });
});

describe("resolveOAuthUser", () => {
  it("creates a user for a new identity and finds it again by the identity", async () => {
    const db = await getDb();
    const providerAccountId = randomUUID();
    const email = uniqueEmail("octocat");
    const first = await resolveOAuthUser(db, { provider: "github", providerAccountId, email, name: "Octo" });
    const again = await resolveOAuthUser(db, { provider: "github", providerAccountId, email: "changed@example.test" });
    expect(again.id).toBe(first.id);
    const links = await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, first.id));
    expect(links).toHaveLength(1);
  });

  // Pre-account takeover: whoever registers an address first must not get its owner's later provider sign-in.
  it("refuses an identity whose email already has a password account, and links nothing", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("pre-registered");
    const providerAccountId = randomUUID();
    const identitiesBefore = await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id));

    await expect(resolveOAuthUser(db, { provider: "google", providerAccountId, email: email.toUpperCase() })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "An account with this email already exists. Sign in the way you did before, then connect Google from your account page.",
      details: { reason: OAUTH_ACCOUNT_NOT_LINKED },
    });
    expect(await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id))).toEqual(identitiesBefore);
    expect(await db.select().from(oauthAccounts).where(eq(oauthAccounts.providerAccountId, providerAccountId))).toEqual([]);
    expect(await db.select({ id: users.id }).from(users).where(eq(users.email, email))).toEqual([{ id: user.id }]);
  });

  it("refuses a second provider's identity for an account another provider created", async () => {
    const db = await getDb();
    const email = uniqueEmail("first-provider");
    const created = await resolveOAuthUser(db, { provider: "github", providerAccountId: randomUUID(), email });
    await expect(resolveOAuthUser(db, { provider: "linkedin", providerAccountId: randomUUID(), email })).rejects.toMatchObject({
      details: { reason: OAUTH_ACCOUNT_NOT_LINKED },
    });
    expect((await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, created.id))).map((link) => link.provider)).toEqual(["github"]);
  });

  it("signs in an identity the owner linked on the account page, whatever its email", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("linked-owner");
    const providerAccountId = randomUUID();
    await linkOAuthIdentity(db, user.id, { provider: "google", providerAccountId });
    expect((await resolveOAuthUser(db, { provider: "google", providerAccountId, email })).id).toBe(user.id);
    expect((await resolveOAuthUser(db, { provider: "google", providerAccountId, email: uniqueEmail("elsewhere") })).id).toBe(user.id);
  });

  it("refuses an identity without an email", async () => {
    const db = await getDb();
    await expect(resolveOAuthUser(db, { provider: "github", providerAccountId: randomUUID(), email: null })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("names the provider in the sign-in page's message, or the method when the page was not told which", () => {
    expect(accountNotLinkedMessage("microsoft")).toBe(
      "An account with this email already exists. Sign in the way you did before, then connect Microsoft from your account page.",
    );
    expect(accountNotLinkedMessage(undefined)).toBe(
      "An account with this email already exists. Sign in the way you did before, then connect this sign-in method from your account page.",
    );
  });
});
