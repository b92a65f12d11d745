import { promises as dns } from "node:dns";
import { BlockList, isIP } from "node:net";
import { AppError } from "../errors";

/**
 * SSRF guard for outbound webhooks: a user chooses the URL, the server makes the request, so
 * the URL must never reach the server's own network (loopback, the cloud metadata service at
 * 169.254.169.254, private ranges, a database next door). Checked when an endpoint is saved and
 * again before every attempt on the addresses the name resolves to *then*; the request then
 * connects only to addresses that were checked (see send.ts), so a name that answers a
 * public address to the check and 127.0.0.1 to the connection (DNS rebinding) gets nowhere.
 *
 * node:net's BlockList, not a library: ipaddr.js is not installed here, and BlockList already
 * parses both families and matches IPv4 ranges against IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1). The ranges are data (RFC 6890's special-purpose registries), each with why.
 */
const BLOCKED_RANGES: ReadonlyArray<{ network: string; prefix: number; family: "ipv4" | "ipv6"; why: string }> = [
  { network: "0.0.0.0", prefix: 8, family: "ipv4", why: "an unspecified address" },
  { network: "10.0.0.0", prefix: 8, family: "ipv4", why: "a private address" },
  { network: "100.64.0.0", prefix: 10, family: "ipv4", why: "a carrier-grade NAT address" },
  { network: "127.0.0.0", prefix: 8, family: "ipv4", why: "a loopback address" },
  { network: "169.254.0.0", prefix: 16, family: "ipv4", why: "a link-local address" },
  { network: "172.16.0.0", prefix: 12, family: "ipv4", why: "a private address" },
  { network: "192.0.0.0", prefix: 24, family: "ipv4", why: "an IETF protocol address" },
  { network: "192.0.2.0", prefix: 24, family: "ipv4", why: "a documentation address" },
  { network: "192.88.99.0", prefix: 24, family: "ipv4", why: "a 6to4 relay address" },
  { network: "192.168.0.0", prefix: 16, family: "ipv4", why: "a private address" },
  { network: "198.18.0.0", prefix: 15, family: "ipv4", why: "a benchmarking address" },
  { network: "198.51.100.0", prefix: 24, family: "ipv4", why: "a documentation address" },
  { network: "203.0.113.0", prefix: 24, family: "ipv4", why: "a documentation address" },
  { network: "224.0.0.0", prefix: 4, family: "ipv4", why: "a multicast address" },
  { network: "240.0.0.0", prefix: 4, family: "ipv4", why: "a reserved or broadcast address" },
  { network: "::", prefix: 128, family: "ipv6", why: "an unspecified address" },
  { network: "::1", prefix: 128, family: "ipv6", why: "a loopback address" },
  { network: "::ffff:0:0", prefix: 96, family: "ipv6", why: "an IPv4-mapped address" },
  { network: "::", prefix: 96, family: "ipv6", why: "an IPv4-compatible address" },
  { network: "64:ff9b:1::", prefix: 48, family: "ipv6", why: "a local-use NAT64 address" },
  { network: "100::", prefix: 64, family: "ipv6", why: "a discard address" },
  { network: "2001::", prefix: 32, family: "ipv6", why: "a Teredo tunnel address" },
  { network: "2001:db8::", prefix: 32, family: "ipv6", why: "a documentation address" },
  { network: "fc00::", prefix: 7, family: "ipv6", why: "a unique local (private) address" },
  { network: "fe80::", prefix: 10, family: "ipv6", why: "a link-local address" },
  { network: "fec0::", prefix: 10, family: "ipv6", why: "a site-local address" },
  { network: "ff00::", prefix: 8, family: "ipv6", why: "a multicast address" },
];

const lists = BLOCKED_RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return { list, why: range.why, family: range.family };
});

/** IPv6 forms that carry an IPv4 address inside (NAT64 64:ff9b::/96, 6to4 2002::/16): the inner address is checked too. */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

function expandIpv6(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.split("%")[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

/** Why `address` may not receive webhooks ("a loopback address"), or null when it is a public address. */
export function blockedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  const type = family === 4 ? "ipv4" : "ipv6";
  // An IPv6 range such as ::ffff:0:0/96 also matches every IPv4 address (BlockList maps them): IPv4 is checked against IPv4 ranges only.
  for (const { list, why, family: rangeFamily } of lists) if ((type === "ipv6" || rangeFamily === "ipv4") && list.check(address, type)) return why;
  const inner = family === 6 ? embeddedIpv4(address) : null;
  return inner ? blockedAddressReason(inner) : null;
}

type WebhookTarget = { url: URL; host: string };

/** Syntax rules every endpoint URL meets: http(s) (https unless private webhooks are allowed), no credentials, no fragment. */
export function parseWebhookUrl(raw: string, options: { allowPrivate: boolean }): WebhookTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("BAD_REQUEST", "Enter a full URL, like https://example.com/webhooks/devpulse");
  }
  if (url.protocol !== "https:" && !(options.allowPrivate && url.protocol === "http:")) {
    throw new AppError("BAD_REQUEST", "Webhook URLs must use https://", { reason: "scheme" });
  }
  // The signing secret authenticates us to the endpoint; credentials in the URL would be stored, shown and exported in the clear.
  if (url.username || url.password) throw new AppError("BAD_REQUEST", "Leave user names and passwords out of the URL: deliveries are signed instead", { reason: "credentials" });
  if (url.hash) throw new AppError("BAD_REQUEST", "Leave the #fragment out of the URL: it is never sent", { reason: "fragment" });
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { url, host };
}

export type ResolvedAddress = { address: string; family: 4 | 6 };

/**
 * The addresses the endpoint's host resolves to now (all of them: a name with one public and one
 * private address is refused), or an AppError saying why it may not be called. With private
 * webhooks allowed (tests, the sandbox, closed networks) every address passes.
 */
export async function resolveWebhookHost(host: string, options: { allowPrivate: boolean }): Promise<ResolvedAddress[]> {
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal as 4 | 6 }];
  else {
    try {
      // Through the module object (not a bound import), so a test can stand in for DNS.
      addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family as 4 | 6 }));
    } catch {
      throw new AppError("BAD_REQUEST", `${host} could not be found (DNS)`, { reason: "dns" });
    }
    if (addresses.length === 0) throw new AppError("BAD_REQUEST", `${host} could not be found (DNS)`, { reason: "dns" });
  }
  if (options.allowPrivate) return addresses;
  for (const { address } of addresses) {
    const why = blockedAddressReason(address);
    if (!why) continue;
    // For a name, neither the address nor its kind: our resolver may see names the user cannot, and
    // the refusal must not map them (a literal address is the user's own, so saying what it is tells nothing).
    const refused = literal ? `${host} is ${why}` : `${host} does not resolve to a public address`;
    throw new AppError("BAD_REQUEST", `${refused}: webhooks only go to public addresses`, { reason: "address" });
  }
  return addresses;
}

/** Both checks, as an endpoint is saved. */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean }): Promise<WebhookTarget> {
  const target = parseWebhookUrl(raw, options);
  await resolveWebhookHost(target.host, options);
  return target;
}
