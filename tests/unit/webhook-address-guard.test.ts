import { describe, expect, it } from "vitest";
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE } from "~/server/env";
import { blockedAddressReason } from "~/server/webhooks/address-guard";
import { retrySchedule } from "~/server/webhooks/policy";

describe("blockedAddressReason", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["::1", "a loopback address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["::ffff:8.8.8.8", "an IPv4-mapped address"],
    ["169.254.169.254", "a link-local address"],
    ["fe80::1", "a link-local address"],
    ["10.0.0.1", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.0.1", "a private address"],
    ["100.64.0.1", "a carrier-grade NAT address"],
    ["0.0.0.0", "an unspecified address"],
    ["::", "an unspecified address"],
    ["224.0.0.251", "a multicast address"],
    ["ff02::1", "a multicast address"],
    ["fd00::1", "a unique local (private) address"],
    ["64:ff9b::a00:1", "a private address"], // NAT64 of 10.0.0.1
    ["2002:7f00:1::", "a loopback address"], // 6to4 of 127.0.0.1
  ])("refuses %s (%s)", (address, why) => {
    expect(blockedAddressReason(address)).toBe(why);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "64:ff9b::808:808"])("lets public %s through", (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });
});

describe("retrySchedule", () => {
  it("reads the default as nine attempts within a day", () => {
    const waits = retrySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE);
    expect(waits).toHaveLength(8);
    const total = waits.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeLessThan(24 * 60 * 60 * 1000);
    expect(total).toBeGreaterThan(20 * 60 * 60 * 1000);
    expect(retrySchedule("30ms, 2s")).toEqual([30, 2000]);
  });
});
