import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { signInWithPassword } from "~/server/auth/sign-in";
import { defineJob } from "~/server/jobs/define-job";
import { createInProcessRunner } from "~/server/jobs/runner";
import { getJobRunner } from "~/server/jobs/send";
import { TEST_PASSWORD } from "../support/callers";
import { useEnv } from "../support/env";
import { routeFetch } from "../support/http";
import { fullyUsedAccount } from "../support/privacy";

// Every line the server writes while it handles tokens, passwords and failures is
// captured at debug level and scanned: no secret may appear in any of them.
useEnv(() => ({ LOG_LEVEL: "debug" }));
const lines: string[] = [];
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
beforeAll(() => {
  process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
});
afterAll(() => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
});

describe("logs", () => {
  it("never contain a password, a device or provider token, or a sealed token, whatever fails", async () => {
    const db = await getDb();
    const account = await fullyUsedAccount("log-scan");
    const secrets = [TEST_PASSWORD, account.deviceToken, account.accessToken];

    // A device token that works, and one that is revoked-looking (unknown), over HTTP.
    await routeFetch({ authorization: `Bearer ${account.deviceToken}` })("http://localhost:3000/api/trpc/auth.me");
    await routeFetch({ authorization: `Bearer ${account.deviceToken}x` })("http://localhost:3000/api/trpc/auth.me");
    // Wrong and right passwords.
    await signInWithPassword(db, { email: account.user.email, password: `${TEST_PASSWORD}!`, ip: "203.0.113.50" }).catch(() => undefined);
    await signInWithPassword(db, { email: account.user.email, password: TEST_PASSWORD, ip: "203.0.113.50" });
    // A job failing with a provider token in its error, through retries and the failure handler.
    const leaky = defineJob({ id: "test-leaky", name: "t", events: ["maintenance/cleanup.requested"], retries: 1 }, async () => {
      throw new Error(`GitHub refused token ${account.accessToken} and Bearer ${account.deviceToken}`);
    });
    const runner = createInProcessRunner({ jobs: [leaky], retryDelayMs: () => 5 });
    await runner.dispatch({ name: "maintenance/cleanup.requested", data: {} });
    await runner.idle();
    await runner.stop();
    // An export and the account's deletion.
    await account.caller.privacy.export({ format: "json" });
    await getJobRunner().idle();
    await account.caller.privacy.deleteAccount({ password: TEST_PASSWORD });

    const output = lines.join("");
    expect(output).toContain("job failed after its retries"); // the capture works: the failure was logged…
    for (const secret of secrets) expect(output).not.toContain(secret); // …without what it carried
    expect(output).not.toMatch(/tv1\.[0-9a-f]{8}\./);
  });
});
