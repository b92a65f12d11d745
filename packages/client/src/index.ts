/**
 * The entry of @devpulse/client. The SDK's source stays in src/client (the server's tests and the CLI
 * use it in place); this package is what is built from it for installation: scripts/build.ts bundles
 * this entry into dist/index.js and a self-contained dist/index.d.ts.
 */
export * from "../../../src/client";
