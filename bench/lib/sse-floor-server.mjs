#!/usr/bin/env node
// The physical floor of the realtime benchmark: a minimal server-sent-events server
// on plain node:http, no framework, run as its own process (plain Node, no tsx, so
// its memory is comparable). It speaks the same wire format as tRPC's SSE
// subscription, so the benchmark's client parses both with the same code:
//
//   GET  /events?group=<g>             → 200 text/event-stream, "event: connected" at once
//   POST /publish?group=<g>&cursor=<n> → writes one sync:changed event (superjson shape)
//                                        to every stream of group g, answers {"delivered":k}
//
// It prints "listening <port>" on stdout once it accepts connections (port 0 = any free port).
import { createServer } from "node:http";

/** @type {Map<string, Set<import("node:http").ServerResponse>>} */
const groups = new Map();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://floor");
  const group = url.searchParams.get("group") ?? "";
  if (req.method === "GET" && url.pathname === "/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("event: connected\ndata: {}\n\n");
    let members = groups.get(group);
    if (!members) groups.set(group, (members = new Set()));
    members.add(res);
    res.on("close", () => members.delete(res));
    return;
  }
  if (req.method === "POST" && url.pathname === "/publish") {
    const cursor = Number(url.searchParams.get("cursor"));
    const data = JSON.stringify({ json: { event: "sync:changed", payload: { cursor, changes: 1, sourceDeviceId: "floor" } } });
    const members = groups.get(group) ?? new Set();
    for (const member of members) member.write(`data: ${data}\n\n`);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ delivered: members.size }));
    return;
  }
  res.writeHead(404).end();
});

server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : "?"}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
