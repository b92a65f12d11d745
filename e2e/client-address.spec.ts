import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createDevPulseClient } from "../src/client";
import { PASSWORD, visitorAddress } from "./support";
import { freePort, killHard, standaloneBuilt, startServer } from "./standalone-server";

/**
 * Who a request came from, for the per-address limits (src/server/http/client-address.ts): the
 * socket's peer, followed through X-Forwarded-For only across the proxies TRUST_PROXY names. The
 * sign-up limit (20 an hour per address) shows which address the server counted: each client here
 * claims an address of its own in X-Forwarded-For, from the same socket address, 127.0.0.1.
 */

const SIGN_UPS_PER_ADDRESS = 20;

/** A sign-up from a visitor of its own, through a proxy on a private network: `X-Forwarded-For: <visitor>, 10.0.0.1`, and whatever `extra` headers. */
const signUp = (baseURL: string, index: number, extra: Record<string, string> = {}) => {
  const forwardedFor = `${visitorAddress()}, 10.0.0.1`;
  const client = createDevPulseClient({ url: baseURL, fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), "x-forwarded-for": forwardedFor, ...extra } }) });
  return client.auth.register.mutate({ email: `address-${index}-${crypto.randomUUID()}@example.test`, password: PASSWORD, name: `Visitor ${index}` });
};

// The last hop (10.0.0.1, the same for all) would meet the limit at the 21st: each counts against its visitor, past the trusted proxy.
test("by default proxies on this host and private networks are trusted: each sign-up counts against the visitor they forwarded", async ({ baseURL }) => {
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
      // A stamp of its own does not help a client either: the server writes over it.
      const forgedStamp = { "x-devpulse-peer": "guessed 198.18.9.9" };
      for (let index = 0; index < SIGN_UPS_PER_ADDRESS; index++) await signUp(baseURL, index, forgedStamp);
      await expect(signUp(baseURL, SIGN_UPS_PER_ADDRESS, forgedStamp)).rejects.toMatchObject({ data: { code: "TOO_MANY_REQUESTS" }, message: expect.stringContaining("Too many new accounts from your network") });
    } finally {
      await killHard(server);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
