/** @type {import("next").NextConfig} */
const nextConfig = {
  output: "standalone",
  // PGlite loads its WASM and data files at run time; bundling them breaks the paths.
  serverExternalPackages: ["@electric-sql/pglite"],
  // The generated SQL migrations are read from disk at start-up: trace them into the standalone output.
  outputFileTracingIncludes: { "/*": ["./drizzle/**/*"] },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
