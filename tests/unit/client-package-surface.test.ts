import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as client from "../../packages/client/src";
import type { AppRouter } from "../../packages/client/src";
import type { AppRouter as ServerAppRouter } from "~/server/api/root";

/**
 * What @devpulse/client offers and needs, read from its entry and its manifest (the packed
 * tarball, installed and run in an empty project, is e2e/client-package.spec.ts).
 */
const manifest = JSON.parse(readFileSync("packages/client/package.json", "utf8")) as { dependencies: Record<string, string> };

describe("@devpulse/client's surface", () => {
  it("exports the client, the device sign-in, the sync client, its stores, realtime and the router's type", () => {
    for (const name of ["createDevPulseClient", "authorizeDevice", "createSyncClient", "createFileStore", "createMemoryStore", "openRealtime", "subscribeRealtime"] as const) {
      expect(typeof client[name], name).toBe("function");
    }
    expectTypeOf<AppRouter>().toEqualTypeOf<ServerAppRouter>();
  });

  it("depends at run time on no part of the server: no Next.js, database driver, ORM, job engine or mail SDK", () => {
    const serverOnly = /^(next|next-auth|drizzle-orm|@electric-sql\/pglite|postgres|pg|inngest|ioredis|nodemailer|resend|postmark|@sendgrid\/.*|@react-email\/.*|react|react-dom|prom-client|pusher|rate-limiter-flexible|trpc-to-openapi)$/;
    const dependencies = Object.keys(manifest.dependencies);
    expect(dependencies.length).toBeGreaterThan(0);
    expect(dependencies.filter((name) => serverOnly.test(name))).toEqual([]);
  });
});
