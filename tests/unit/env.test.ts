import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deploymentRequirements, emailProviderList, EnvError, parseEnv } from "~/server/env";
import { pusherConnectionFor, pusherSettingsFromEnv } from "~/server/realtime/pusher";
import { VERCEL_ENV } from "../support/env";

describe("parseEnv", () => {
  it("applies defaults for the embedded setup", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe(".data");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.appUrl).toBe("http://localhost:3000");
  });

  it("treats empty strings as unset and trims a trailing slash from APP_URL", () => {
    const env = parseEnv({ DATABASE_URL: "", APP_URL: "https://cloud.example.com/", PORT: "8080" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.appUrl).toBe("https://cloud.example.com");
    expect(env.PORT).toBe(8080);
  });

  it("names every malformed variable", () => {
    const error = (() => {
      try {
        parseEnv({ DATABASE_URL: "mysql://nope", PORT: "eighty", NEXTAUTH_SECRET: "short" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\//);
    expect(message).toMatch(/PORT:/);
    expect(message).toMatch(/NEXTAUTH_SECRET: must be at least 32 characters/);
  });

  it("requires the database, the public URL, the shared secrets, Inngest and Pusher on Vercel, naming each", () => {
    expect(() => parseEnv({ VERCEL: "1" })).toThrow(
      /DATABASE_URL: is required on Vercel[\s\S]*APP_URL: is required on Vercel[\s\S]*NEXTAUTH_SECRET: is required on Vercel[\s\S]*INNGEST_EVENT_KEY: is required on Vercel[\s\S]*PUSHER_SECRET: is required on Vercel/,
    );
    const required = deploymentRequirements({ VERCEL: true })!.variables.map(({ name }) => name);
    expect(required).toEqual(expect.arrayContaining(["DATABASE_URL", "NEXTAUTH_SECRET", "INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "PUSHER_APP_ID", "PUSHER_KEY", "PUSHER_SECRET"]));
    expect(() => parseEnv(VERCEL_ENV)).not.toThrow();
    for (const name of required) {
      expect(() => parseEnv({ ...VERCEL_ENV, [name]: "" }), name).toThrow(new RegExp(`^Invalid environment:\\n {2}- ${name}: is required on Vercel: [^\\n]+$`));
    }
    // A Pusher app needs its cluster (or a self-hosted server's host) too.
    expect(() => parseEnv({ ...VERCEL_ENV, PUSHER_CLUSTER: "" })).toThrow(/PUSHER_CLUSTER: set PUSHER_CLUSTER/);
    // A dev server is no stand-in for Inngest on Vercel: it turns signature checks off.
    expect(() => parseEnv({ ...VERCEL_ENV, INNGEST_EVENT_KEY: "", INNGEST_DEV: "1" })).toThrow(/INNGEST_EVENT_KEY: is required on Vercel/);
  });

  it("the README's Vercel section names every variable Vercel requires", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const vercel = readme.slice(readme.indexOf("### Vercel"), readme.indexOf("### Health"));
    for (const { name } of deploymentRequirements({ VERCEL: true })!.variables) expect(vercel, name).toContain(`\`${name}\``);
  });

  it("requires a signing key with an Inngest event key anywhere", () => {
    expect(() => parseEnv({ INNGEST_EVENT_KEY: "evt" })).toThrow(/INNGEST_SIGNING_KEY: is required with INNGEST_EVENT_KEY/);
    expect(() => parseEnv({ INNGEST_EVENT_KEY: "evt", INNGEST_SIGNING_KEY: "signkey-prod-1" })).not.toThrow();
  });

  it("takes the operators as lower-cased addresses and refuses anything else", () => {
    expect(parseEnv({}).OPERATOR_EMAILS).toEqual([]);
    expect(parseEnv({ OPERATOR_EMAILS: " Ops@Example.com, second@example.org ," }).OPERATOR_EMAILS).toEqual(["ops@example.com", "second@example.org"]);
    expect(() => parseEnv({ OPERATOR_EMAILS: "ops@example.com, not-an-address" })).toThrow(/OPERATOR_EMAILS: must be email addresses, comma-separated/);
  });

  it("requires the shared secrets in production on a Postgres server, where several instances may share the database", () => {
    const shared = { NODE_ENV: "production", DATABASE_URL: "postgres://db/app" };
    expect(() => parseEnv(shared)).toThrow(
      /NEXTAUTH_SECRET: is required in production with DATABASE_URL[\s\S]*WEBHOOK_SECRET: is required in production with DATABASE_URL[\s\S]*TOKEN_ENCRYPTION_KEY: is required in production with DATABASE_URL: a generated key would differ per instance/,
    );
    const secrets = { NEXTAUTH_SECRET: "x".repeat(32), TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), WEBHOOK_SECRET: "w".repeat(32) };
    expect(() => parseEnv({ ...shared, ...secrets, WEBHOOK_SECRET: "" })).toThrow(/^Invalid environment:\n {2}- WEBHOOK_SECRET: is required[^\n]*$/);
    expect(() => parseEnv({ ...shared, ...secrets })).not.toThrow();
    // One process on its own data folder (PGlite), or development: generated secrets are fine.
    expect(() => parseEnv({ NODE_ENV: "production" })).not.toThrow();
    expect(() => parseEnv({ NODE_ENV: "development", DATABASE_URL: "postgres://db/app" })).not.toThrow();
  });

  it("tells clients where a self-hosted Pusher server is when they reach it elsewhere than this server does", () => {
    const soketi = { PUSHER_APP_ID: "devpulse", PUSHER_KEY: "public-key", PUSHER_SECRET: "secret", PUSHER_HOST: "soketi", PUSHER_PORT: "6001", PUSHER_USE_TLS: "false" };
    const inside = pusherSettingsFromEnv(parseEnv(soketi))!;
    expect(pusherConnectionFor(inside, "u1")).toMatchObject({ wsHost: "soketi", wsPort: 6001, forceTLS: false });
    const published = pusherSettingsFromEnv(parseEnv({ ...soketi, PUSHER_CLIENT_HOST: "realtime.example.com", PUSHER_CLIENT_PORT: "443", PUSHER_CLIENT_USE_TLS: "true" }))!;
    expect({ host: published.host, port: published.port, useTLS: published.useTLS }).toEqual({ host: "soketi", port: 6001, useTLS: false });
    expect(pusherConnectionFor(published, "u1")).toEqual({ transport: "pusher", key: "public-key", channel: "private-user-u1", wsHost: "realtime.example.com", wsPort: 443, forceTLS: true });
    // Only the host differs: the port and TLS follow the server's own.
    expect(pusherConnectionFor(pusherSettingsFromEnv(parseEnv({ ...soketi, PUSHER_CLIENT_HOST: "localhost" }))!, "u1")).toMatchObject({ wsHost: "localhost", wsPort: 6001, forceTLS: false });
  });

  it("takes INNGEST_DEV as a flag or a dev server URL, nothing else", () => {
    expect(parseEnv({ INNGEST_DEV: "http://127.0.0.1:8288" }).INNGEST_DEV).toBe("http://127.0.0.1:8288");
    expect(parseEnv({ INNGEST_DEV: "1" }).INNGEST_DEV).toBe("1");
    expect(() => parseEnv({ INNGEST_DEV: "yes please" })).toThrow(/INNGEST_DEV: must be "1" or the dev server's http\(s\) URL/);
  });

  describe("EMAIL_PROVIDERS", () => {
    // Each provider's credential, spelled here rather than read from env.ts, so a renamed key fails this test.
    const keys = { smtp: ["SMTP_URL", "smtp://relay.example.com:587"], resend: ["RESEND_API_KEY", "re_test"], postmark: ["POSTMARK_SERVER_TOKEN", "pm-token"], sendgrid: ["SENDGRID_API_KEY", "SG.test"] } as const;
    const allKeys = Object.fromEntries(Object.values(keys));

    it("takes a valid list in its order of preference, spaces and all", () => {
      const env = parseEnv({ ...allKeys, EMAIL_PROVIDERS: " postmark , smtp,sendgrid ,resend" });
      expect(emailProviderList(env.EMAIL_PROVIDERS)).toEqual(["postmark", "smtp", "sendgrid", "resend"]);
      expect(emailProviderList(parseEnv({ ...allKeys, EMAIL_PROVIDERS: "sendgrid" }).EMAIL_PROVIDERS)).toEqual(["sendgrid"]);
      // Unset or empty: no list (mail goes through SMTP or the outbox folder).
      expect(emailProviderList(parseEnv({ EMAIL_PROVIDERS: "" }).EMAIL_PROVIDERS)).toEqual([]);
    });

    it.each(["mailgun", "resend,mailgun", "resend;smtp", "Resend", "resend,", ","])("refuses %j, naming the variable and the names it takes", (value) => {
      expect(() => parseEnv({ ...allKeys, EMAIL_PROVIDERS: value })).toThrow(/^Invalid environment:\n {2}- EMAIL_PROVIDERS: must list smtp, resend, postmark or sendgrid, comma-separated$/);
    });

    it.each(Object.entries(keys))("refuses %s listed without its credential, naming the missing variable", (provider, [key]) => {
      const others = Object.fromEntries(Object.values(keys).filter(([name]) => name !== key));
      const expected = new RegExp(`^Invalid environment:\\n {2}- ${key}: is required: EMAIL_PROVIDERS lists ${provider}$`);
      expect(() => parseEnv({ ...others, EMAIL_PROVIDERS: "resend,smtp,postmark,sendgrid" })).toThrow(expected);
      // An empty value is no credential either.
      expect(() => parseEnv({ ...others, [key]: "", EMAIL_PROVIDERS: provider })).toThrow(expected);
      // Not listed, the credential is not needed.
      expect(() => parseEnv({ ...others, EMAIL_PROVIDERS: Object.keys(keys).filter((name) => name !== provider).join(",") })).not.toThrow();
    });

    it("names every listed provider whose credential is missing", () => {
      expect(() => parseEnv({ EMAIL_PROVIDERS: "resend,sendgrid" })).toThrow(/^Invalid environment:\n {2}- RESEND_API_KEY: is required: EMAIL_PROVIDERS lists resend\n {2}- SENDGRID_API_KEY: is required: EMAIL_PROVIDERS lists sendgrid$/);
    });
  });

  it("requires OAuth client ids and secrets in pairs", () => {
    expect(() => parseEnv({ GITHUB_CLIENT_ID: "abc" })).toThrow(/GITHUB_CLIENT_SECRET: must be set together with GITHUB_CLIENT_ID/);
    expect(parseEnv({ GOOGLE_CLIENT_ID: "a", GOOGLE_CLIENT_SECRET: "b" }).GOOGLE_CLIENT_ID).toBe("a");
  });
});
