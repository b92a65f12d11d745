import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { OAuthButtons } from "~/components/auth/oauth-buttons";
import { buildAuthOptions, enabledSignInProviders } from "~/server/auth/options";
import { offeredSignInMethods } from "~/server/auth/providers";
import { resolveOAuthUser } from "~/server/auth/oauth-accounts";
import { getDb } from "~/server/db/client";
import { oauthAccounts } from "~/server/db/schema";
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
    const first = await resolveOAuthUser(db, { provider: "github", providerAccountId, email, emailVerified: false, name: "Octo" });
    const again = await resolveOAuthUser(db, { provider: "github", providerAccountId, email: "changed@example.test", emailVerified: false });
    expect(again.id).toBe(first.id);
    const links = await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, first.id));
    expect(links).toHaveLength(1);
  });

  it("links a verified email to the existing account, and refuses an unverified one", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("linkme");
    await expect(resolveOAuthUser(db, { provider: "github", providerAccountId: randomUUID(), email, emailVerified: false })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id))).toHaveLength(0);
    const linked = await resolveOAuthUser(db, { provider: "google", providerAccountId: randomUUID(), email, emailVerified: true });
    expect(linked.id).toBe(user.id);
  });

  it("refuses an identity without an email", async () => {
    const db = await getDb();
    await expect(resolveOAuthUser(db, { provider: "github", providerAccountId: randomUUID(), email: null, emailVerified: false })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
