import { randomBytes } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyaddr from "proxy-addr";
import { getEnv, type Env } from "../env";
import { proxyTrust } from "./proxy-trust";

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
 * A request without a valid stamp in a process that stamps began before the stamping did (Next
 * listens before it runs the start-up hook, and holds what arrives meanwhile), or its socket was
 * already gone: its address is "unknown", never the header's word. A process that does not stamp
 * (on Vercel, which runs no HTTP server of ours and writes X-Forwarded-For itself; tests and tools
 * calling route handlers directly) takes the LAST X-Forwarded-For hop, the one the platform appended.
 * Anything that is not an IP address (after dropping a port) counts as "unknown".
 */

const PEER_HEADER = "x-devpulse-peer";
const UNKNOWN = "unknown";

type Stamp = { secret: string; stop: () => void };
const holder = globalThis as typeof globalThis & { __devpulsePeerStamp?: Stamp };

/**
 * Once per process, before it takes requests (start-up; not on Vercel): every request's socket peer
 * goes into a header its client cannot forge. Returns how to stop (tests).
 */
export function stampPeerAddresses(): () => void {
  if (holder.__devpulsePeerStamp) return holder.__devpulsePeerStamp.stop;
  const secret = randomBytes(18).toString("base64url");
  const onRequestStart = (message: unknown) => {
    const { request } = message as { request: IncomingMessage };
    request.headers[PEER_HEADER] = `${secret} ${request.socket.remoteAddress ?? ""}`;
  };
  diagnostics.subscribe("http.server.request.start", onRequestStart);
  const stop = () => {
    diagnostics.unsubscribe("http.server.request.start", onRequestStart);
    if (holder.__devpulsePeerStamp?.secret === secret) delete holder.__devpulsePeerStamp;
  };
  holder.__devpulsePeerStamp = { secret, stop };
  return stop;
}

/** For a request answered outside Next (serve-ahead-of-next.ts), which builds its headers from the raw ones: the stamp to carry over. */
export function peerStampOf(request: IncomingMessage): [name: string, value: string] | null {
  const value = request.headers[PEER_HEADER];
  return typeof value === "string" ? [PEER_HEADER, value] : null;
}

const trustByEnv = new WeakMap<Env, (address: string, hop: number) => boolean>();

export function clientIpFrom(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(",") : (value ?? undefined);
  };
  const forwarded = get("x-forwarded-for");
  const stamp = holder.__devpulsePeerStamp;
  if (!stamp) {
    const hops = forwarded?.split(",").map((hop) => hop.trim()).filter(Boolean) ?? [];
    return normalizeIp(hops.at(-1) ?? get("x-real-ip") ?? "");
  }
  const [mark, peer] = (get(PEER_HEADER) ?? "").split(" ");
  if (mark !== stamp.secret || !peer) return UNKNOWN;
  const env = getEnv();
  let trust = trustByEnv.get(env);
  if (!trust) trustByEnv.set(env, (trust = proxyTrust(env.TRUST_PROXY)));
  // proxy-addr (through `forwarded`) reads these two fields of a node request, nothing else.
  const request = { headers: forwarded ? { "x-forwarded-for": forwarded } : {}, socket: { remoteAddress: peer } };
  return normalizeIp(proxyaddr(request as unknown as IncomingMessage, trust));
}

function normalizeIp(value: string): string {
  const address = value.trim().replace(/^\[([^\]]+)\](:\d+)?$/, "$1").replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1");
  if (!isIP(address)) return UNKNOWN;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}
