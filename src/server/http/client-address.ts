import { randomBytes } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyaddr from "proxy-addr";
import { getEnv, type Env } from "../env";

/**
 * The client's address, for rate limits and the sign-in log.
 *
 * The address a request came from is the socket's peer, which a route handler never sees: Next.js
 * hands it a web Request. So at start-up (`stampPeerAddresses`) every request of this process's
 * HTTP servers gets the peer in a header, written over whatever the client sent and marked with a
 * secret of this process, before Next or any route reads it. From the peer, `X-Forwarded-For` is
 * followed leftwards only through proxies we trust (TRUST_PROXY, by default the loopback, link-local
 * and private ranges a reverse proxy or load balancer in front would connect from), with proxy-addr,
 * the rule Express uses. A client connecting directly cannot choose its address by sending the header.
 *
 * Without the stamp (a serverless platform, which runs no HTTP server of ours and writes
 * X-Forwarded-For itself, such as Vercel), the LAST X-Forwarded-For hop is taken: the one the
 * platform appended. Anything that is not an IP address (after dropping a port) counts as "unknown".
 */

const PEER_HEADER = "x-devpulse-peer";

type Stamp = { secret: string };
const holder = globalThis as typeof globalThis & { __devpulsePeerStamp?: Stamp };

/** At start-up, once per process: every request's socket peer goes into a header its client cannot forge. */
export function stampPeerAddresses(): void {
  if (holder.__devpulsePeerStamp) return;
  const stamp: Stamp = { secret: randomBytes(18).toString("base64url") };
  holder.__devpulsePeerStamp = stamp;
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { request } = message as { request: IncomingMessage };
    request.headers[PEER_HEADER] = `${stamp.secret} ${request.socket.remoteAddress ?? ""}`;
  });
}

/** The stamped peer of a request (with this process's secret), or null when there is none. */
function stampedPeer(value: string | undefined): string | null {
  const secret = holder.__devpulsePeerStamp?.secret;
  if (!secret || !value) return null;
  const [mark, address] = value.split(" ");
  return mark === secret && address ? address : null;
}

/** For a request answered outside Next (serve-ahead-of-next.ts), which builds its headers from the raw ones: the stamp to carry over. */
export function peerStampOf(request: IncomingMessage): [name: string, value: string] | null {
  const value = request.headers[PEER_HEADER];
  return typeof value === "string" ? [PEER_HEADER, value] : null;
}

const trustByEnv = new WeakMap<Env, (address: string, hop: number) => boolean>();

/** TRUST_PROXY as proxy-addr's test: a number of hops, or addresses and ranges (and the names loopback, linklocal, uniquelocal). */
export function proxyTrust(setting: string): (address: string, hop: number) => boolean {
  const trimmed = setting.trim();
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return (_address, hop) => hop < hops;
  }
  const ranges = trimmed.split(",").map((part) => part.trim()).filter(Boolean);
  return ranges.length ? proxyaddr.compile(ranges) : () => false;
}

export function clientIpFrom(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(",") : value ?? undefined;
  };
  const forwarded = get("x-forwarded-for");
  const peer = stampedPeer(get(PEER_HEADER));
  if (peer === null) {
    const hops = forwarded?.split(",").map((hop) => hop.trim()).filter(Boolean) ?? [];
    return normalizeIp(hops.at(-1) ?? get("x-real-ip") ?? "");
  }
  const env = getEnv();
  let trust = trustByEnv.get(env);
  if (!trust) trustByEnv.set(env, (trust = proxyTrust(env.TRUST_PROXY)));
  // proxy-addr reads the peer and the header off a node request: these two are all it looks at.
  const request = { headers: forwarded ? { "x-forwarded-for": forwarded } : {}, connection: { remoteAddress: peer }, socket: { remoteAddress: peer } };
  return normalizeIp(proxyaddr(request as unknown as IncomingMessage, trust));
}

function normalizeIp(value: string): string {
  const address = value.trim().replace(/^\[([^\]]+)\](:\d+)?$/, "$1").replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1");
  if (!isIP(address)) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}
