import proxyaddr from "proxy-addr";

/**
 * TRUST_PROXY as proxy-addr's test of each hop: a number of hops, or addresses and CIDR ranges (and
 * the names loopback, linklocal, uniquelocal), comma-separated. Throws on anything else, which is
 * how env.ts validates the setting. Apart from client-address.ts so that env.ts can use it.
 */
export function proxyTrust(setting: string): (address: string, hop: number) => boolean {
  const trimmed = setting.trim();
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return (_address, hop) => hop < hops;
  }
  const ranges = trimmed.split(",").map((part) => part.trim()).filter(Boolean);
  return ranges.length ? proxyaddr.compile(ranges) : () => false;
}
