import { describe, expect, it } from "vitest";
import { parseEnv } from "~/server/env";
import { clientIpFrom, proxyTrust } from "~/server/http/client-address";

/**
 * The client's address (src/server/http/client-address.ts). With a stamped peer, the production
 * server's path, it is proven end to end in e2e/client-address.spec.ts; here: TRUST_PROXY's forms,
 * and the rule without a stamp (a platform that writes X-Forwarded-For itself).
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

  it("does not take a peer header the client wrote for one stamped by this process", () => {
    expect(clientIpFrom({ "x-devpulse-peer": "guess 203.0.113.1", "x-forwarded-for": "198.51.100.4" })).toBe("198.51.100.4");
  });
});
