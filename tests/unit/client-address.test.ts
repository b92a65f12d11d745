import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "~/server/env";
import { clientIpFrom, stampPeerAddresses } from "~/server/http/client-address";
import { proxyTrust } from "~/server/http/proxy-trust";
import { withEnv } from "../support/env";

/**
 * The client's address (src/server/http/client-address.ts): TRUST_PROXY's forms; a real node:http
 * server whose requests are stamped with their peer, read as a route handler reads them (a web
 * Headers), from IPv4 and IPv6; and the rule in a process that does not stamp (a platform that
 * writes X-Forwarded-For itself). The production server's start-up is proven in e2e/client-address.spec.ts.
 */

describe("TRUST_PROXY", () => {
  it("trusts a proxy on this host or a private network by default", () => {
    const trust = proxyTrust(parseEnv({}).TRUST_PROXY);
    for (const address of ["127.0.0.1", "::1", "10.2.3.4", "172.16.0.9", "192.168.1.1", "169.254.0.1", "fd00::1"]) expect(trust(address, 0), address).toBe(true);
    for (const address of ["8.8.8.8", "198.18.0.1", "2001:db8::1"]) expect(trust(address, 0), address).toBe(false);
  });

  it("takes a number of hops: 0 trusts no proxy, 1 the one the socket comes from", () => {
    expect(proxyTrust("0")("127.0.0.1", 0)).toBe(false);
    expect(proxyTrust("1")("8.8.8.8", 0)).toBe(true);
    expect(proxyTrust("1")("8.8.8.8", 1)).toBe(false);
  });

  it("takes addresses and ranges, and refuses anything else, naming the variable", () => {
    expect(proxyTrust(parseEnv({ TRUST_PROXY: "203.0.113.0/24, loopback" }).TRUST_PROXY)("203.0.113.7", 0)).toBe(true);
    expect(() => parseEnv({ TRUST_PROXY: "the load balancer" })).toThrow(/TRUST_PROXY: must be a number of hops, or addresses, CIDR ranges/);
  });
});

describe("clientIpFrom without a stamped peer (no server of ours in front)", () => {
  it("takes the last X-Forwarded-For hop, the one the platform appended", () => {
    expect(clientIpFrom(new Headers({ "x-forwarded-for": "1.1.1.1, 203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientIpFrom({ "x-real-ip": "203.0.113.8" })).toBe("203.0.113.8");
  });

  it("writes addresses one way and anything else as unknown", () => {
    expect(clientIpFrom({ "x-forwarded-for": "::ffff:203.0.113.9" })).toBe("203.0.113.9");
    expect(clientIpFrom({ "x-forwarded-for": "203.0.113.9:4312" })).toBe("203.0.113.9");
    expect(clientIpFrom({ "x-forwarded-for": "[2001:DB8::1]:443" })).toBe("2001:db8::1");
    expect(clientIpFrom({ "x-forwarded-for": "<script>" })).toBe("unknown");
  });
});

describe("clientIpFrom with every request's peer stamped", () => {
  let stopStamping: () => void;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    stopStamping = stampPeerAddresses();
    // Answers what a route handler would read from the request: its headers as a web Headers.
    server = createServer((request, response) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
      response.end(clientIpFrom(headers));
    });
    await new Promise<void>((listening) => server.listen(0, "::", listening));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    stopStamping();
    await new Promise((closed) => server.close(closed));
  });
  const from = async (host: string, headers: Record<string, string> = {}) => (await fetch(`http://${host}:${port}/`, { headers })).text();

  it("is the socket's address when nothing is forwarded, IPv4 or IPv6", async () => {
    expect(await from("127.0.0.1")).toBe("127.0.0.1");
    expect(await from("[::1]")).toBe("::1");
  });

  it("follows X-Forwarded-For through trusted proxies only, to the first address that is not one", async () => {
    expect(await from("127.0.0.1", { "x-forwarded-for": "203.0.113.7, 10.0.0.1" })).toBe("203.0.113.7");
    expect(await from("[::1]", { "x-forwarded-for": "198.51.100.1, 203.0.113.8" })).toBe("203.0.113.8");
    await withEnv({ TRUST_PROXY: "0" }, async () => expect(await from("127.0.0.1", { "x-forwarded-for": "203.0.113.7" })).toBe("127.0.0.1"));
  });

  it("writes over a stamp the client sent, and takes no request as stamped without this process's secret", async () => {
    expect(await from("127.0.0.1", { "x-devpulse-peer": "guessed 203.0.113.1" })).toBe("127.0.0.1");
    expect(clientIpFrom({ "x-devpulse-peer": "guessed 203.0.113.1", "x-forwarded-for": "198.51.100.4" })).toBe("unknown");
    // A request that began before the stamping did: no address to trust, whatever the header says.
    expect(clientIpFrom({ "x-forwarded-for": "198.51.100.4" })).toBe("unknown");
  });
});
