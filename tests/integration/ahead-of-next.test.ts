import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import staticSecurityHeaders from "~/lib/static-security-headers.json";
import { getLocalPublisher } from "~/server/realtime/publisher";
import { openRealtimeStreamCount } from "~/server/realtime/user-events";
import { transformer } from "~/lib/transformer";
import { connectDevice, syncingUser } from "../support/callers";
import { change, push, userWithDevices } from "../support/sync";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { readEventStream } from "../support/event-stream";
import { NOTIFICATION_TRAFFIC } from "../support/realtime";
import { until } from "../support/until";

/**
 * In the production server, `GET /api/trpc/realtime.events` and `GET /api/trpc/sync.pull` are
 * answered by the node:http server itself, ahead of Next (server/http/serve-ahead-of-next.ts,
 * installed when the tRPC route module loads: routeFetch imports it). Here a plain node:http server
 * with a stand-in for Next's request handler: those requests must be answered exactly as the route
 * answers them (plus the headers Next adds to every response), refusals included, and every other
 * request must still reach the stand-in.
 */
let server: Server;
let baseUrl: string;
const reachedNext: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    reachedNext.push(`${request.method} ${request.url}`);
    response.writeHead(200, { "content-type": "text/plain" }).end("next");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function open(via: "server" | "route", headers: Record<string, string>) {
  const hangUp = new AbortController();
  const init = { headers: { accept: "text/event-stream", ...headers }, signal: hangUp.signal };
  const response = via === "server" ? await fetch(`${baseUrl}/api/trpc/realtime.events`, init) : await routeFetch()(`${TEST_BASE_URL}/api/trpc/realtime.events`, init);
  return { response, ...readEventStream(response), close: () => hangUp.abort() };
}

/** The headers that matter to a client, without the ones of the transport (date, transfer-encoding or content-length, keep-alive). */
const headersOf = (response: Response) =>
  [...response.headers].filter(([name]) => !["date", "transfer-encoding", "content-length", "keep-alive", "connection"].includes(name)).sort(([a], [b]) => a.localeCompare(b));

const framesOf = (text: string) => text.split("\n\n\n").filter((frame) => !NOTIFICATION_TRAFFIC.some((event) => frame.includes(`"event":"${event}"`)));

describe("realtime streams answered by the HTTP server ahead of Next", () => {
  it("answer as the route does, with Next's headers for every response, and leave no listener when closed", async () => {
    const { user, caller } = await syncingUser("ahead");
    const { token } = await connectDevice(caller, "listener");
    const authorization = `Bearer ${token}`;
    const before = openRealtimeStreamCount();
    const ours = await open("server", { authorization });
    const route = await open("route", { authorization });
    await ours.waitFor("event: connected");
    await route.waitFor("event: connected");
    expect(openRealtimeStreamCount()).toBe(before + 2);

    await getLocalPublisher().publish(user.id, "sync:changed", { cursor: 3, changes: 1, sourceDeviceId: null });
    await ours.waitFor('"cursor":3');
    await route.waitFor('"cursor":3');

    expect(framesOf(ours.text())).toEqual(framesOf(route.text()));
    expect(framesOf(ours.text())).toEqual(["event: connected\ndata: {}", 'data: {"json":{"event":"sync:changed","payload":{"cursor":3,"changes":1,"sourceDeviceId":null}}}', ""]);
    expect(ours.response.status).toBe(200);
    const nextHeaders = staticSecurityHeaders.map(({ key, value }) => [key.toLowerCase(), value] as [string, string]);
    expect(headersOf(ours.response)).toEqual([...headersOf(route.response), ...nextHeaders].sort(([a], [b]) => a.localeCompare(b)));
    expect(reachedNext).toEqual([]);

    ours.close();
    route.close();
    await until(() => getLocalPublisher().listenerCount(user.id), (count) => count === 0, 10_000, 10);
    await until(() => openRealtimeStreamCount(), (count) => count === before, 10_000, 10);
  });

  it("refuse as the route does", async () => {
    const refusedCredentials: Array<Record<string, string>> = [{}, { authorization: "Bearer dp_not-a-real-token" }];
    for (const headers of refusedCredentials) {
      const ours = await open("server", headers);
      const route = await open("route", headers);
      await Promise.all([ours.ended, route.ended]);
      expect(ours.text()).toBe(route.text());
      expect(ours.text()).toMatch(/^event: connected\ndata: \{\}\n\n\nevent: serialized-error\ndata: .*"code":"UNAUTHORIZED".*\n\n\n$/);
    }
    expect(reachedNext).toEqual([]);
  });

  it("hand every other request to the server's own handler (Next's)", async () => {
    const answers = await Promise.all(
      [
        fetch(`${baseUrl}/api/trpc/realtime.connection`),
        fetch(`${baseUrl}/api/trpc/realtime.events?batch=1`),
        fetch(`${baseUrl}/api/trpc/realtime.events`, { method: "POST" }),
        fetch(`${baseUrl}/dashboard`),
      ].map(async (pending) => (await pending).text()),
    );
    expect(answers).toEqual(["next", "next", "next", "next"]);
    expect([...reachedNext].sort()).toEqual(["GET /api/trpc/realtime.connection", "GET /api/trpc/realtime.events?batch=1", "GET /dashboard", "POST /api/trpc/realtime.events"]);
  });
});

describe("pull pages answered by the HTTP server ahead of Next", () => {
  const pullPath = (input: unknown) => `/api/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify(transformer.serialize(input)))}`;

  it("answer as the route does, with Next's headers, refusals included", async () => {
    const { caller, laptop } = await userWithDevices("ahead-pull");
    await push(laptop, [change("p-1", null, "first"), change("p-2", null, "second"), change("p-3", null, "third")]);
    const { token } = await connectDevice(caller, "reader");
    const headers = { authorization: `Bearer ${token}` };
    const nextHeaders = staticSecurityHeaders.map(({ key, value }) => [key.toLowerCase(), value] as [string, string]);
    reachedNext.length = 0;
    const cases: Array<[unknown, Record<string, string>, number]> = [
      [{ limit: 2 }, headers, 200],
      [{ cursor: 2 }, headers, 200],
      [{}, {}, 401],
      [{ limit: -1 }, headers, 400],
    ];
    for (const [input, credentials, status] of cases) {
      const ours = await fetch(`${baseUrl}${pullPath(input)}`, { headers: credentials });
      const route = await routeFetch()(`${TEST_BASE_URL}${pullPath(input)}`, { headers: credentials });
      expect([ours.status, route.status]).toEqual([status, status]);
      expect(await ours.text()).toBe(await route.text());
      expect(headersOf(ours)).toEqual([...headersOf(route), ...nextHeaders].sort(([a], [b]) => a.localeCompare(b)));
    }
    expect(reachedNext).toEqual([]);
  });
});
