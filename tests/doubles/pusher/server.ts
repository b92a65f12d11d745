import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local double of Pusher's HTTP API (POST /apps/{app_id}/events) that checks
 * each request's signature exactly as Pusher documents it:
 *   auth_signature = HMAC-SHA256(secret, "POST\n<path>\n<query without auth_signature, keys sorted>")
 *   body_md5 = MD5 of the body, auth_timestamp within 600 s, auth_key = the app key.
 * Accepted events are recorded; a bad signature is answered 401 as Pusher does.
 */
export type TriggeredEvent = { name: string; channels: string[]; data: string };

export async function startPusherDouble(app: { appId: string; key: string; secret: string }) {
  const events: TriggeredEvent[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://double");
      const params = Object.fromEntries(url.searchParams);
      const reject = (reason: string) => {
        rejected.push(reason);
        res.writeHead(401, { "content-type": "text/plain" }).end(reason);
      };
      if (req.method !== "POST" || url.pathname !== `/apps/${app.appId}/events`) return reject(`unexpected ${req.method} ${url.pathname}`);
      if (params.auth_key !== app.key) return reject("Unknown auth_key");
      if (params.auth_version !== "1.0") return reject("auth_version must be 1.0");
      if (Math.abs(Date.now() / 1000 - Number(params.auth_timestamp)) > 600) return reject("Timestamp expired");
      if (params.body_md5 !== createHash("md5").update(body).digest("hex")) return reject("body_md5 does not match");
      const { auth_signature: signature, ...signed } = params;
      const query = Object.keys(signed)
        .sort()
        .map((key) => `${key}=${signed[key]}`)
        .join("&");
      const expected = createHmac("sha256", app.secret).update(`POST\n${url.pathname}\n${query}`).digest("hex");
      const given = Buffer.from(signature ?? "", "utf8");
      if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, "utf8"))) return reject("Invalid signature");
      const event = JSON.parse(body) as TriggeredEvent;
      if (event.data.length > 10_240) return reject("Event data too large");
      events.push(event);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    events,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
