import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { anonymousClient, PASSWORD } from "./support";
import { freePort, killHard, standaloneBuilt, startServer } from "./standalone-server";

/**
 * Who a request came from, for the per-address limits (src/server/http/client-address.ts): the
 * socket's peer, followed through X-Forwarded-For only across the proxies TRUST_PROXY names. The
 * sign-up limit (20 an hour per address) shows which address the server counted: each client here
 * claims an address of its own in X-Forwarded-For, from the same socket address, 127.0.0.1.
 */

const SIGN_UPS_PER_ADDRESS = 20;

const signUp = (baseURL: string, index: number) =>
  anonymousClient(baseURL).auth.register.mutate({ email: `address-${index}-${crypto.randomUUID()}@example.test`, password: PASSWORD, name: `Visitor ${index}` });

test("by default a proxy on this host is trusted: each sign-up counts against the address it forwarded", async ({ baseURL }) => {
  for (let index = 0; index <= SIGN_UPS_PER_ADDRESS; index++) await expect(signUp(baseURL!, index)).resolves.toMatchObject({ id: expect.any(String) });
});

test.describe("a server that trusts no proxy (TRUST_PROXY=0, exposed directly)", () => {
  test.skip(!standaloneBuilt(), "needs the standalone build (.next/standalone/server.js); the suite's web server builds it");

  test("counts every sign-up against the socket's address, whatever X-Forwarded-For claims", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "devpulse-e2e-address-"));
    const port = await freePort();
    const server = await startServer(port, { dataDir }, { TRUST_PROXY: "0" });
    try {
      const baseURL = `http://localhost:${port}`;
      for (let index = 0; index < SIGN_UPS_PER_ADDRESS; index++) await signUp(baseURL, index);
      await expect(signUp(baseURL, SIGN_UPS_PER_ADDRESS)).rejects.toMatchObject({ data: { code: "TOO_MANY_REQUESTS" }, message: expect.stringContaining("Too many new accounts from your network") });
    } finally {
      await killHard(server);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
