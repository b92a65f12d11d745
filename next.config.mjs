import { createRequire } from "node:module";

/**
 * Headers every response gets, pages and route handlers alike. Those that depend on the request
 * or on APP_URL (the CSP with its nonce, Referrer-Policy, HSTS) are set per page by src/proxy.ts
 * (src/server/security/page-headers.ts): these are fixed at build time. Permissions-Policy refuses
 * the powerful features the app never uses, for it and anything it embeds. In a file of their own:
 * the realtime streams and pull pages answered ahead of Next (src/server/http/serve-ahead-of-next.ts) add them too.
 */
const staticSecurityHeaders = createRequire(import.meta.url)("./src/lib/static-security-headers.json");

/** @type {import("next").NextConfig} */
const nextConfig = {
  output: "standalone",
  // PGlite loads its WASM and data files at run time; bundling them breaks the paths.
  // rate-limiter-flexible's Drizzle store imports drizzle-orm by a computed name at run
  // time: both load from node_modules (and are traced into the standalone output), so the
  // limiter and the app share one drizzle-orm.
  serverExternalPackages: ["@electric-sql/pglite", "rate-limiter-flexible", "drizzle-orm", "discord.js"],
  // The generated SQL migrations are read from disk at start-up, and /docs serves Scalar's
  // browser bundle from node_modules: trace both into the standalone output.
  outputFileTracingIncludes: {
    "/*": ["./drizzle/**/*"],
    "/docs/scalar.js": ["./node_modules/@scalar/api-reference/dist/browser/standalone.js"],
  },
  // The build type-checks the app only; `npm test` type-checks tests, e2e and bench as well, and tells
  // its own build (DEVPULSE_TYPECHECKED=1, after its tsc pass found nothing) not to check the app a second time.
  typescript: { tsconfigPath: "tsconfig.build.json", ignoreBuildErrors: process.env.DEVPULSE_TYPECHECKED === "1" },
  poweredByHeader: false,
  async headers() {
    return [{ source: "/:path*", headers: staticSecurityHeaders }];
  },
  reactStrictMode: true,
};

export default nextConfig;
