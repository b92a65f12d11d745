import { createHash, createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";

/**
 * A local double of Pusher Channels: one HTTP server that speaks
 *
 * - the HTTP API (POST /apps/{app_id}/events), checking each request's signature
 *   exactly as Pusher documents it:
 *     auth_signature = HMAC-SHA256(secret, "POST\n<path>\n<query without auth_signature, keys sorted>")
 *     body_md5 = MD5 of the body, auth_timestamp within 600 s, auth_key = the app key.
 *   Accepted events are recorded; a bad signature is answered 401 as Pusher does.
 * - the WebSocket protocol 7 that pusher-js speaks (ws://host:port/app/<key>):
 *   connection_established, ping/pong, subscribe/unsubscribe. A private channel is
 *   joined only with auth = "<key>:" + hex HMAC-SHA256(secret, "<socket_id>:<channel>"),
 *   refused otherwise as Soketi and Pusher refuse it. Every accepted event is
 *   delivered to the sockets subscribed to its channels.
 */
export type TriggeredEvent = { name: string; channels: string[]; data: string; socket_id?: string };
export type RefusedSubscription = { socketId: string; channel: string; reason: string };

type App = { appId: string; key: string; secret: string };
type Connection = { socketId: string; ws: WebSocket; channels: Set<string> };
type ClientMessage = { event?: unknown; data?: unknown; channel?: unknown };

/** Pusher's close codes 4000–4099 tell pusher-js not to reconnect. */
const APP_DOES_NOT_EXIST = 4001;
const UNSUPPORTED_PROTOCOL = 4007;
const ACTIVITY_TIMEOUT_SECONDS = 120;

function signatureMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(ws: WebSocket, message: { event: string; channel?: string; data: unknown }) {
  ws.send(JSON.stringify(message));
}

/** `port`: where to listen (0: any free port); a double started again on the same port is the same Pusher coming back. */
export async function startPusherDouble(app: App, { port = 0 }: { port?: number } = {}) {
  const events: TriggeredEvent[] = [];
  const rejected: string[] = [];
  const refusedSubscriptions: RefusedSubscription[] = [];
  const connections = new Set<Connection>();

  const deliver = (event: TriggeredEvent) => {
    for (const connection of connections) {
      if (connection.socketId === event.socket_id) continue; // Pusher's "exclude the sender"
      for (const channel of event.channels) {
        if (connection.channels.has(channel)) send(connection.ws, { event: event.name, channel, data: event.data });
      }
    }
  };

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
      if (!signatureMatches(signature ?? "", expected)) return reject("Invalid signature");
      const event = JSON.parse(body) as TriggeredEvent;
      if (event.data.length > 10_240) return reject("Event data too large");
      events.push(event);
      deliver(event);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });

  const subscribe = (connection: Connection, data: { channel?: unknown; auth?: unknown }) => {
    const channel = typeof data.channel === "string" ? data.channel : "";
    const refuse = (reason: string) => {
      refusedSubscriptions.push({ socketId: connection.socketId, channel, reason });
      send(connection.ws, { event: "pusher:subscription_error", channel, data: { type: "AuthError", error: reason, status: 401 } });
    };
    if (!channel) return refuse("channel is missing");
    if (channel.startsWith("presence-")) return refuse("presence channels are not supported by this double");
    if (channel.startsWith("private-")) {
      const expected = `${app.key}:${createHmac("sha256", app.secret).update(`${connection.socketId}:${channel}`).digest("hex")}`;
      if (!signatureMatches(typeof data.auth === "string" ? data.auth : "", expected)) return refuse("Invalid signature: the connection is unauthorized.");
    }
    connection.channels.add(channel);
    send(connection.ws, { event: "pusher_internal:subscription_succeeded", channel, data: "{}" });
  };

  const onMessage = (connection: Connection, raw: RawData) => {
    let message: ClientMessage;
    let data: Record<string, unknown>;
    try {
      message = JSON.parse(raw.toString()) as ClientMessage;
      // pusher-js sends data as an object; some clients send it as a JSON string.
      data = (typeof message.data === "string" ? JSON.parse(message.data) : (message.data ?? {})) as Record<string, unknown>;
    } catch {
      return send(connection.ws, { event: "pusher:error", data: { code: null, message: "Invalid JSON" } });
    }
    if (message.event === "pusher:ping") return send(connection.ws, { event: "pusher:pong", data: "{}" });
    if (message.event === "pusher:subscribe") return subscribe(connection, data);
    if (message.event === "pusher:unsubscribe" && typeof data.channel === "string") connection.channels.delete(data.channel);
  };

  const wss = new WebSocketServer({ noServer: true });
  const accept = (ws: WebSocket, key: string, protocol: number) => {
    if (key !== app.key) {
      send(ws, { event: "pusher:error", data: { code: APP_DOES_NOT_EXIST, message: `App key ${key} does not exist` } });
      return ws.close(APP_DOES_NOT_EXIST, "App does not exist");
    }
    if (!(protocol >= 7)) {
      send(ws, { event: "pusher:error", data: { code: UNSUPPORTED_PROTOCOL, message: "Unsupported protocol version" } });
      return ws.close(UNSUPPORTED_PROTOCOL, "Unsupported protocol version");
    }
    const connection: Connection = { socketId: `${randomInt(1, 2 ** 31)}.${randomInt(1, 2 ** 31)}`, ws, channels: new Set() };
    connections.add(connection);
    ws.on("message", (raw) => onMessage(connection, raw));
    ws.on("close", () => connections.delete(connection));
    send(ws, {
      event: "pusher:connection_established",
      data: JSON.stringify({ socket_id: connection.socketId, activity_timeout: ACTIVITY_TIMEOUT_SECONDS }),
    });
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://double");
    const key = /^\/app\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!key) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, decodeURIComponent(key), Number(url.searchParams.get("protocol"))));
  });

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    events,
    rejected,
    refusedSubscriptions,
    /** Cuts every open socket, as a network failure would; the server keeps accepting new ones. */
    dropConnections: () => {
      for (const connection of connections) connection.ws.terminate();
    },
    /** Channels each open socket has joined, by socket id. */
    subscriptions: () => new Map([...connections].map((c) => [c.socketId, [...c.channels]])),
    close: async () => {
      for (const connection of connections) connection.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type PusherDouble = Awaited<ReturnType<typeof startPusherDouble>>;
