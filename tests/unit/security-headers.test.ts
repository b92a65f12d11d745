import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { proxy } from "~/proxy";
import { parseEnv } from "~/server/env";
import { BODY_LIMITS } from "~/server/security/body-limits";
import { pageSecurityHeaders, realtimeConnectSources } from "~/server/security/page-headers";

const directives = (policy: string) => Object.fromEntries(policy.split("; ").map((directive) => [directive.split(" ")[0]!, directive.split(" ").slice(1)]));

describe("page security headers", () => {
  it("allows only this request's nonce for scripts, and says why for styles", () => {
    const headers = pageSecurityHeaders("bm9uY2U=", parseEnv({ APP_URL: "http://localhost:3000", NODE_ENV: "production" }));
    const policy = directives(headers["content-security-policy"]!);
    expect(policy["script-src"]).toEqual(["'self'", "'nonce-bm9uY2U='", "'strict-dynamic'"]);
    expect(policy["script-src"]).not.toContain("'unsafe-inline'");
    // No nonce in style-src: it would make browsers ignore 'unsafe-inline' (inline style attributes, the email preview).
    expect(policy["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy["frame-ancestors"]).toEqual(["'none'"]);
    expect(policy["object-src"]).toEqual(["'none'"]);
    expect(policy["connect-src"]).toEqual(["'self'"]);
    expect(policy["upgrade-insecure-requests"]).toBeUndefined();
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["strict-transport-security"]).toBeUndefined();
  });

  it("adds HSTS and upgrade-insecure-requests only when APP_URL is https, and 'unsafe-eval' only in development", () => {
    const https = pageSecurityHeaders("n", parseEnv({ APP_URL: "https://cloud.example.com", NODE_ENV: "production" }));
    expect(https["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    expect(directives(https["content-security-policy"]!)["upgrade-insecure-requests"]).toEqual([]);
    const development = pageSecurityHeaders("n", parseEnv({ NODE_ENV: "development" }));
    expect(directives(development["content-security-policy"]!)["script-src"]).toContain("'unsafe-eval'");
  });

  it("lets the browser reach the configured Pusher hosts, and nothing else", () => {
    const pusher = { PUSHER_APP_ID: "1", PUSHER_KEY: "key", PUSHER_SECRET: "secret" };
    expect(realtimeConnectSources(parseEnv({ ...pusher, PUSHER_CLUSTER: "eu" }))).toEqual(["wss://ws-eu.pusher.com", "https://sockjs-eu.pusher.com"]);
    expect(realtimeConnectSources(parseEnv({ ...pusher, PUSHER_HOST: "soketi.internal", PUSHER_PORT: "6001", PUSHER_USE_TLS: "false" }))).toEqual([
      "wss://soketi.internal:6001",
      "ws://soketi.internal:6001",
    ]);
    expect(realtimeConnectSources(parseEnv({}))).toEqual([]);
    const policy = pageSecurityHeaders("n", parseEnv({ ...pusher, PUSHER_CLUSTER: "eu" }))["content-security-policy"]!;
    expect(directives(policy)["connect-src"]).toEqual(["'self'", "wss://ws-eu.pusher.com", "https://sockjs-eu.pusher.com"]);
  });
});

describe("the proxy", () => {
  it("puts the CSP with a fresh nonce on the page's response and on the request Next renders it from", () => {
    const first = proxy(new NextRequest("http://localhost:3000/sign-in"));
    const second = proxy(new NextRequest("http://localhost:3000/sign-in"));
    const policy = first.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(second.headers.get("content-security-policy")).not.toBe(policy);
    // NextResponse.next({ request: { headers } }) passes request headers on as x-middleware-request-*.
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(policy);
    expect(first.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    expect(first.headers.get("referrer-policy")).toBe("same-origin");
    // The API reference (a route handler outside /api) puts the nonce from x-nonce on its inline script.
    const docs = proxy(new NextRequest("http://localhost:3000/docs"));
    expect(docs.headers.get("content-security-policy")).toContain(`'nonce-${docs.headers.get("x-middleware-request-x-nonce")}'`);
  });

  it("leaves route handlers alone, and still sends the signed-out to sign-in", () => {
    expect(proxy(new NextRequest("http://localhost:3000/api/trpc/a%20b")).headers.get("content-security-policy")).toBeNull();
    expect(proxy(new NextRequest("http://localhost:3000/dashboard")).headers.get("location")).toBe("http://localhost:3000/sign-in?callbackUrl=%2Fdashboard");
  });
});

describe("request body limits", () => {
  const routeFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? routeFiles(join(dir, entry.name)) : entry.name === "route.ts" ? [join(dir, entry.name)] : []));

  it("are stated and enforced on every route handler: each method is wrapped in withBodyLimit (tRPC: limitTrpcBody, in handleTrpcRequest)", () => {
    const files = routeFiles("src/app");
    expect(files.length).toBeGreaterThan(10);
    // tRPC's handler limits the body itself; a pull with a body is left to it (api/pull-answer.ts).
    expect(readFileSync("src/server/api/trpc-handler.ts", "utf8")).toContain("limitTrpcBody(");
    expect(readFileSync("src/server/api/pull-answer.ts", "utf8")).toContain('request.headers.has("content-length") || request.body !== null');
    const unlimited = files.flatMap((file) => {
      const source = readFileSync(file, "utf8");
      if (source.includes("limitTrpcBody(") || source.includes("handleTrpcRequest(")) return [];
      const methods = [...source.matchAll(/export (?:async )?(?:function|const) (GET|POST|PUT|PATCH|DELETE)\b(.*)/g)];
      const aliased = [...source.matchAll(/export \{([^}]*)\}/g)].flatMap((match) => [...match[1]!.matchAll(/(\w+) as (GET|POST|PUT|PATCH|DELETE)/g)]);
      const bad = methods.filter(([, , rest]) => !/^ = withBodyLimit\("\w+"/.test(rest!)).map(([, method]) => method!);
      for (const [, local, method] of aliased) if (!new RegExp(`const ${local} = withBodyLimit\\("\\w+"`).test(source)) bad.push(method!);
      if (methods.length + aliased.length === 0) bad.push("(no method found)");
      return bad.map((method) => `${file}: ${method}`);
    });
    expect(unlimited).toEqual([]);
    for (const [name, { bytes, why }] of Object.entries(BODY_LIMITS)) {
      expect(why.length, name).toBeGreaterThan(10);
      expect(Number.isInteger(bytes), name).toBe(true);
    }
  });
});
