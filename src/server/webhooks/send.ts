import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { AppError } from "../errors";
import { parseWebhookUrl, resolveWebhookHost, type ResolvedAddress } from "./address-guard";
import { WEBHOOK_LIMITS } from "./policy";

/**
 * One HTTP attempt of an outbound webhook, with node:http(s) rather than fetch so that the
 * connection goes to an address the guard checked: the name is resolved once, and the request's
 * `lookup` answers with the checked address and never asks DNS again (a second answer could be
 * 127.0.0.1). An address that refuses the connection hands over to the next one. TLS still verifies the
 * certificate against the URL's host name. Redirects are not followed (a 3xx is a failure: a
 * redirect could point anywhere, the guard checked only this URL), the whole attempt has one
 * deadline, and at most WEBHOOK_LIMITS.responseBodyBytes of the answer are read.
 */

type AttemptResult =
  | { outcome: "delivered" | "failed" | "gone"; responseCode: number; responseBody: string; error: string | null; durationMs: number }
  | { outcome: "failed"; responseCode: null; responseBody: null; error: string; durationMs: number }
  /** The guard refused the URL or its addresses: nothing was sent. */
  | { outcome: "refused"; responseCode: null; responseBody: null; error: string; durationMs: number };

/** A lookup that always answers with the checked address, whatever `all` or family the socket asks for. */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

function readLimited(response: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString("utf8").replace(/\u0000/g, ""));
    response.on("data", (chunk: Buffer) => {
      if (size >= limit) return;
      chunks.push(chunk.subarray(0, limit - size));
      size += chunk.length;
      // Enough for the log: stop reading (the rest of a large or endless body is not our business).
      if (size >= limit) {
        response.destroy();
        done();
      }
    });
    response.on("end", done);
    response.on("error", done);
    response.on("close", done);
  });
}

/** Connection errors that mean nothing reached this address (so nothing was sent): the name's next address may be tried. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

export async function sendWebhookRequest(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  options: { allowPrivate: boolean; timeoutMs: number },
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let addresses: ResolvedAddress[];
  let url: URL;
  try {
    const parsed = parseWebhookUrl(rawUrl, options);
    url = parsed.url;
    // Every address must pass (resolveWebhookHost checks them all); these checked ones are the only ones connected to.
    addresses = await resolveWebhookHost(parsed.host, options);
  } catch (error) {
    const message = error instanceof AppError ? error.message : "The URL could not be checked";
    return { outcome: "refused", responseCode: null, responseBody: null, error: message, durationMs: elapsed() };
  }
  // In the resolver's order; an address that refuses or cannot be reached hands over to the next (an
  // IPv6 address on a host without IPv6, one server of several down). One that takes the connection
  // and then fails, or never answers, ends the attempt: the body may have left, and the deadline is
  // the whole attempt's.
  const deadline = started + options.timeoutMs;
  const post = (target: ResolvedAddress) => postTo(url, target, body, headers, { remainingMs: deadline - performance.now(), timeoutMs: options.timeoutMs, elapsed });
  let sent = await post(addresses[0]!);
  for (const next of addresses.slice(1)) {
    if (!sent.nothingSent) break;
    sent = await post(next);
  }
  return sent.result;
}

function postTo(
  url: URL,
  target: ResolvedAddress,
  body: string,
  headers: Record<string, string>,
  timing: { remainingMs: number; timeoutMs: number; elapsed: () => number },
): Promise<{ result: AttemptResult; nothingSent: boolean }> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult, nothingSent = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ result, nothingSent });
    };
    const fail = (error: string, nothingSent = false) => finish({ outcome: "failed", responseCode: null, responseBody: null, error, durationMs: timing.elapsed() }, nothingSent);
    const request = send(
      url,
      {
        method: "POST",
        lookup: pinnedLookup(target),
        // A fresh connection per attempt: a pooled socket could have been opened to another address.
        agent: false,
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": WEBHOOK_LIMITS.userAgent },
      },
      (response) => {
        void readLimited(response, WEBHOOK_LIMITS.responseBodyBytes).then((responseBody) => {
          const code = response.statusCode ?? 0;
          const outcome = code >= 200 && code < 300 ? "delivered" : code === 410 ? "gone" : "failed";
          const error = outcome === "delivered" ? null : code >= 300 && code < 400 ? `Answered ${code}: redirects are not followed` : `Answered ${code}`;
          finish({ outcome, responseCode: code, responseBody, error, durationMs: timing.elapsed() });
          request.destroy();
        });
      },
    );
    const deadline = setTimeout(
      () => {
        fail(`No answer within ${Math.round(timing.timeoutMs / 100) / 10} s`);
        request.destroy();
      },
      Math.max(0, timing.remainingMs),
    );
    request.on("error", (error: NodeJS.ErrnoException) => fail(error.code ? `${error.code}: ${error.message}` : error.message, NOT_CONNECTED.has(error.code ?? "")));
    request.end(body);
  });
}
