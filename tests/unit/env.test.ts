import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/server/env";

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

  it("requires DATABASE_URL, NEXTAUTH_SECRET and Inngest on Vercel", () => {
    expect(() => parseEnv({ VERCEL: "1" })).toThrow(
      /DATABASE_URL: is required on Vercel[\s\S]*NEXTAUTH_SECRET: is required on Vercel[\s\S]*INNGEST_EVENT_KEY: is required on Vercel/,
    );
    const vercel = { VERCEL: "1", DATABASE_URL: "postgres://db/app", NEXTAUTH_SECRET: "x".repeat(32), TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), WEBHOOK_SECRET: "w".repeat(32) };
    expect(() => parseEnv({ ...vercel, INNGEST_EVENT_KEY: "evt" })).toThrow(/INNGEST_SIGNING_KEY: is required with INNGEST_EVENT_KEY/);
    expect(() => parseEnv({ ...vercel, INNGEST_EVENT_KEY: "evt", INNGEST_SIGNING_KEY: "signkey-prod-1" })).not.toThrow();
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

  it("docker-compose.yml (app on Postgres, in production) asks for each shared secret by name", () => {
    const compose = readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8");
    for (const name of ["NEXTAUTH_SECRET", "WEBHOOK_SECRET", "TOKEN_ENCRYPTION_KEY"]) {
      expect(compose).toMatch(new RegExp(`^ {6}${name}: "\\$\\{${name}:\\?set ${name} \\(openssl rand -base64 32\\)`, "m"));
    }
  });

  it("takes INNGEST_DEV as a flag or a dev server URL, nothing else", () => {
    expect(parseEnv({ INNGEST_DEV: "http://127.0.0.1:8288" }).INNGEST_DEV).toBe("http://127.0.0.1:8288");
    expect(parseEnv({ INNGEST_DEV: "1" }).INNGEST_DEV).toBe("1");
    expect(() => parseEnv({ INNGEST_DEV: "yes please" })).toThrow(/INNGEST_DEV: must be "1" or the dev server's http\(s\) URL/);
  });

  it("requires OAuth client ids and secrets in pairs", () => {
    expect(() => parseEnv({ GITHUB_CLIENT_ID: "abc" })).toThrow(/GITHUB_CLIENT_SECRET: must be set together with GITHUB_CLIENT_ID/);
    expect(parseEnv({ GOOGLE_CLIENT_ID: "a", GOOGLE_CLIENT_SECRET: "b" }).GOOGLE_CLIENT_ID).toBe("a");
  });
});
