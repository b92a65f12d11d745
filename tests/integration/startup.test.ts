import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { deploymentRequirements } from "~/server/env";
import { VERCEL_ENV } from "../support/env";

/** Runs the server's start-up checks in a child process with the given environment. */
function startWith(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", "-e", "const m = await import('./src/server/startup.ts'); await m.startServer();"], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PGLITE_DIR: "memory://", LOG_LEVEL: "info", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("server start-up", () => {
  it("stops with a message naming every malformed variable", () => {
    const result = startWith({ DATABASE_URL: "mysql://db/app", LOG_LEVEL: "loud" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid environment");
    expect(result.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\//);
    expect(result.stderr).toMatch(/LOG_LEVEL:/);
  });

  it("stops in production on a Postgres server without the secrets every instance must share", () => {
    // Nothing listens on port 1: the environment check must stop start-up before any connection.
    const result = startWith({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/devpulse" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid environment");
    for (const name of ["NEXTAUTH_SECRET", "WEBHOOK_SECRET", "TOKEN_ENCRYPTION_KEY"]) {
      expect(result.stderr).toMatch(new RegExp(`${name}: is required in production with DATABASE_URL`));
    }
  });

  it("stops on Vercel (VERCEL=1) without a variable Vercel requires, naming it", () => {
    const required = deploymentRequirements({ VERCEL: true })!.variables.map(({ name }) => name);
    expect(Object.keys(VERCEL_ENV)).toEqual(expect.arrayContaining(required));
    // Nothing set: every one is named. One left out: that one alone (a process each for two of them; the rest is unit-tested).
    const bare = startWith({ VERCEL: "1" });
    expect(bare.status).toBe(1);
    for (const name of required) expect(bare.stderr).toMatch(new RegExp(`${name}: is required on Vercel: `));
    for (const name of ["PUSHER_SECRET", "INNGEST_SIGNING_KEY"] as const) {
      const result = startWith({ ...VERCEL_ENV, [name]: "" });
      expect(result.status, name).toBe(1);
      expect(result.stderr).toContain("Invalid environment");
      expect(result.stderr.match(/ - [A-Z_]+: /g)).toEqual([` - ${name}: `]);
    }
  });

  // A fresh process that loads the server and migrates a new embedded database: seconds alone, more
  // while the other Vitest pass shares the cores, so it gets the child's own 60 s limit.
  it("validates, opens and migrates the database, logging JSON", { timeout: 70_000 }, () => {
    const result = startWith({});
    expect(result.status, result.stderr).toBe(0);
    const messages = result.stdout.trim().split("\n").map((line) => JSON.parse(line).msg);
    expect(messages).toEqual([
      "starting DevPulse Cloud",
      "database ready (migrations applied)",
      "background jobs run in-process (no INNGEST_EVENT_KEY or INNGEST_DEV)",
    ]);
  });
});
