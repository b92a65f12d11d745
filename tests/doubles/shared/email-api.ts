import { randomUUID } from "node:crypto";
import { FaultQueue, type FaultSpec, type HttpFault } from "./faults";
import { type DoubleRequest, type DoubleResponse, escapeHtml, faultAnswer, html, json, type LoggedRequest, serve } from "./http";
import { sandboxPage } from "./oauth";

/**
 * What the Resend, Postmark and SendGrid doubles share: the messages they accepted (with the
 * idempotency key each came with), faults (5xx, 429 with Retry-After, network errors), an
 * "outage" switch the sandbox flips to see failover, and an inbox page listing what arrived.
 * Each double supplies only its wire format: how a send is authenticated, parsed and answered,
 * and its own error bodies.
 */
export type AcceptedEmail = {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  idempotencyKey: string | null;
  /** What the app attached to find the message again in webhooks (tags, Metadata, custom_args). */
  metadata: Record<string, string>;
  receivedAt: string;
};

export type EmailWire = {
  name: string;
  /** The send endpoint's path (POST). */
  sendPath: string;
  /** null when the credential is right; else the provider's own 401/403 answer. */
  authenticate: (req: DoubleRequest) => DoubleResponse | null;
  /** Reads a send request into a message, or answers the provider's validation error. */
  parse: (req: DoubleRequest) => Omit<AcceptedEmail, "id" | "receivedAt"> | DoubleResponse;
  /** The provider's success answer for an accepted message. */
  accepted: (message: AcceptedEmail) => DoubleResponse;
  /** The provider's body and headers for an injected status (429, 500, 503…). */
  faultBody: (status: number) => DoubleResponse;
  newId: () => string;
};

export const isAddress = (value: string) => /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value.replace(/^.*<([^>]+)>\s*$/, "$1"));

export async function startEmailDouble(wire: EmailWire, options: { port?: number } = {}) {
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const received: AcceptedEmail[] = [];
  /** Idempotency key → the first answer, replayed for a repeat (what Resend documents). */
  const byKey = new Map<string, AcceptedEmail>();
  let outage: number | null = null;

  const handle = (req: DoubleRequest): DoubleResponse => {
    if (req.method === "GET" && req.path === "/") return inboxPage(wire.name, received, outage);
    // For the end-to-end tests: what arrived for one address, newest first, as the inbox page shows it.
    if (req.method === "GET" && req.path === "/_double/messages") {
      const address = req.query.get("to")?.toLowerCase() ?? "";
      return json(200, received.filter((message) => message.to.some((to) => to.toLowerCase().includes(address))).reverse());
    }
    if (req.method === "POST" && req.path === "/_double/outage") {
      // The sandbox's switch (a form on the inbox page): the send API answers 503 until switched off.
      outage = new URLSearchParams(req.body).get("on") === "1" ? 503 : null;
      return { status: 303, headers: { location: "/" }, body: "" };
    }
    if (req.method !== "POST" || req.path !== wire.sendPath) return json(404, { message: "Not found" });
    if (outage) return wire.faultBody(outage);
    const refused = wire.authenticate(req);
    if (refused) return refused;
    const parsed = wire.parse(req);
    if ("status" in parsed) return parsed;
    if (parsed.idempotencyKey) {
      const earlier = byKey.get(parsed.idempotencyKey);
      if (earlier) return wire.accepted(earlier);
    }
    const message: AcceptedEmail = { ...parsed, id: wire.newId(), receivedAt: new Date().toISOString() };
    received.push(message);
    if (message.idempotencyKey) byKey.set(message.idempotencyKey, message);
    return wire.accepted(message);
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    faultResponse: (_req, fault: HttpFault) => {
      const base = wire.faultBody(fault.status);
      return faultAnswer(fault, base.headers ?? {}, base);
    },
    handle,
  });

  return {
    url: server.url,
    received,
    requests,
    /** Messages to one address. */
    to: (address: string) => received.filter((message) => message.to.some((to) => to.toLowerCase().includes(address.toLowerCase()))),
    /** The next matching send requests fail (default: the send endpoint, 500, once). */
    failNext: (spec: Partial<FaultSpec> = {}) => faults.add({ path: wire.sendPath, status: 500, ...spec } as FaultSpec),
    rateLimitNext: (retryAfterSeconds = 1, times = 1) => faults.add({ path: wire.sendPath, status: 429, times, headers: { "retry-after": String(retryAfterSeconds) } }),
    /** Every send answers this status (503 by default) until called with null. */
    setOutage: (status: number | null = 503) => void (outage = status),
    close: server.close,
  };
}

export type EmailDouble = Awaited<ReturnType<typeof startEmailDouble>>;
export const newUuid = () => randomUUID();

function inboxPage(name: string, received: AcceptedEmail[], outage: number | null): DoubleResponse {
  const rows = received
    .slice()
    .reverse()
    .map(
      (message) =>
        `<li><strong>${escapeHtml(message.subject)}</strong> → ${escapeHtml(message.to.join(", "))} <small>${escapeHtml(message.receivedAt)}</small><details><summary>Text</summary><pre>${escapeHtml(message.text ?? "")}</pre></details></li>`,
    )
    .join("\n");
  return html(
    200,
    sandboxPage(
      name,
      `${name} — sent mail`,
      `<h1 id="page-title">${escapeHtml(name)}: mail accepted</h1>
<form method="post" action="/_double/outage"><input type="hidden" name="on" value="${outage ? "0" : "1"}">
<p>${outage ? `The send API is <strong>down</strong> (answers ${outage}): mail fails over to the next provider.` : "The send API is up."}</p>
<div class="actions"><button type="submit" class="primary">${outage ? "End the outage" : "Simulate an outage"}</button></div></form>
<ol>${rows || "<li>Nothing yet.</li>"}</ol>`,
    ),
  );
}
