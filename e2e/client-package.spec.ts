import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "~/app/api/trpc/[trpc]/route";
import { callerFor, connectDevice, syncingUser } from "../support/callers";
import { startAppServer } from "../support/app-server";
import { change, push } from "../support/sync";

/**
 * @devpulse/client as an app outside this repository gets it: built and packed with `npm pack`,
 * installed from the tarball into an empty project, type-checked there (full types for `auth.me`
 * and `sync.pull`; a misspelt field must not compile), then run against the server.
 *
 * The server is the app's real tRPC route handler (the one `next start` serves at /api/trpc) behind
 * a real HTTP socket, on this run's database: building and starting the Next production server
 * inside a Vitest test would take minutes, and the Playwright suite already runs the CLI against it.
 * The package is built into a folder of this run's own (`--stage`), because the two Vitest passes
 * run at once and must not share packages/client/dist.
 */

const run = promisify(execFile);
const repoRoot = new URL("../..", import.meta.url).pathname;
const versionOf = async (name: string) => (JSON.parse(await readFile(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

/** Runs a command to its end; a failure keeps its output (a compiler's errors are on stdout). */
async function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await run(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Error & { code?: number; stdout?: string; stderr?: string };
    return Promise.reject(Object.assign(new Error(`${command} ${args.join(" ")} failed (${failed.code}):\n${failed.stdout}\n${failed.stderr}`), { stdout: failed.stdout ?? "", code: failed.code }));
  }
}

/**
 * What a project that depends on the client writes. Compiled with noEmitOnError, so it runs only
 * if it type-checks; the misspelt one below shows the types are the server's, not `any`.
 */
const CONSUMER = `
import { createDevPulseClient, TRPCClientError, type RouterOutputs } from "@devpulse/client";

const client = createDevPulseClient({ url: process.env.DEVPULSE_URL!, token: process.env.DEVPULSE_TOKEN });
const me: RouterOutputs["auth"]["me"] = await client.auth.me.query();
const page = await client.sync.pull.query({ cursor: 0, limit: 50, collections: ["projects"] });
const pulled = page.changes.map((change) => ({ collection: change.collection, id: change.id, revision: change.revision }));
console.log(JSON.stringify({ email: me.email, device: me.device?.name ?? null, createdAtIsDate: me.createdAt instanceof Date, cursor: page.cursor, pulled }));

const anonymous = createDevPulseClient({ url: process.env.DEVPULSE_URL! });
await anonymous.auth.me.query().catch((error: unknown) => {
  console.log(JSON.stringify({ anonymous: error instanceof TRPCClientError ? error.data?.code : "not a TRPCClientError" }));
});
`;

/** The same calls with a field the server does not have, in the output and in the input. */
const MISSPELT = `
import { createDevPulseClient } from "@devpulse/client";

const client = createDevPulseClient({ url: "http://127.0.0.1:1" });
const me = await client.auth.me.query();
console.log(me.emailAddress);
await client.sync.pull.query({ curser: 0 });
`;

// About 45 s of CPU in all (most of it TypeScript writing the declarations of the server's types);
// the limits leave room for the other Vitest pass sharing the two cores.
const BUILD_AND_INSTALL_MS = 240_000;
const STEP_MS = 60_000;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    types: ["node"],
    noEmitOnError: true,
    outDir: "out",
  },
};

describe("@devpulse/client from its packed tarball", () => {
  let work: string;
  let packed: { filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> };
  let consumerDir: string;
  const tsc = () => join(consumerDir, "node_modules/typescript/bin/tsc");

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "devpulse-client-package-"));
    const stage = join(work, "package");
    await sh(process.execPath, ["--import", "tsx", "packages/client/scripts/build.ts", "--stage", stage], repoRoot);
    // The stage is already built, so pack it as it is (its prepack would build again).
    const { stdout } = await sh("npm", ["pack", stage, "--ignore-scripts", "--json", "--pack-destination", work], work);
    [packed] = JSON.parse(stdout) as [typeof packed];

    // An empty TypeScript project, with the compiler and Node types the repository uses.
    consumerDir = join(work, "consumer");
    await mkdir(consumerDir);
    const manifest = { name: "client-package-consumer", private: true, type: "module", devDependencies: { typescript: await versionOf("typescript"), "@types/node": await versionOf("@types/node") } };
    await writeFile(join(consumerDir, "package.json"), JSON.stringify(manifest, null, 2));
    await writeFile(join(consumerDir, "tsconfig.json"), JSON.stringify({ ...TSCONFIG, files: ["consumer.ts"] }, null, 2));
    await writeFile(join(consumerDir, "tsconfig.misspelt.json"), JSON.stringify({ ...TSCONFIG, files: ["misspelt.ts"] }, null, 2));
    await writeFile(join(consumerDir, "consumer.ts"), CONSUMER);
    await writeFile(join(consumerDir, "misspelt.ts"), MISSPELT);
    await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(work, packed.filename)], consumerDir);
  }, BUILD_AND_INSTALL_MS);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("packs an ES module with its declarations and nothing else", { timeout: STEP_MS }, async () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual(["README.md", "dist/index.d.ts", "dist/index.js", "package.json"]);
    const installed = join(consumerDir, "node_modules/@devpulse/client");
    const { dependencies } = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const imported = async (file: string) =>
      new Set([...(await readFile(join(installed, file), "utf8")).matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)].map((match) => match[1]!));
    // Self-contained: no path of this repository (`~/server/…`, `../lib/…`), no server package, only the client's dependencies.
    const allowed = new Set(Object.keys(dependencies));
    // A subpath (`@trpc/server/observable`) belongs to its package.
    const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
    expect([...(await imported("dist/index.d.ts"))].filter((specifier) => !allowed.has(packageOf(specifier)))).toEqual([]);
    expect([...(await imported("dist/index.js"))].filter((specifier) => !allowed.has(packageOf(specifier)) && !specifier.startsWith("node:"))).toEqual([]);
    console.log(`@devpulse/client tarball: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);
  });

  it("type-checks a consumer of auth.me and sync.pull, and refuses a field the server does not have", { timeout: STEP_MS }, async () => {
    await expect(sh(process.execPath, [tsc(), "-p", "tsconfig.json"], consumerDir)).resolves.toBeDefined();
    const failure = await sh(process.execPath, [tsc(), "-p", "tsconfig.misspelt.json", "--noEmit"], consumerDir).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure.code).not.toBe(0);
    const errors = failure.stdout.trim().split("\n").filter((line) => /error TS\d+/.test(line));
    // Exactly the two misspellings: anything else (a module not found, a type lost to `any`) would show here.
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/misspelt\.ts\(6,\d+\): error TS2339: Property 'emailAddress' does not exist on type '\{.*\bemail: string;/);
    expect(errors[1]).toMatch(/misspelt\.ts\(7,\d+\): error TS2561: .*'curser' does not exist .*Did you mean to write 'cursor'\?/);
  });

  it("runs the compiled consumer against the server over HTTP", { timeout: STEP_MS }, async () => {
    const { user, caller } = await syncingUser("client-package");
    const device = await connectDevice(caller, "Packaged client");
    await push({ id: device.deviceId, caller: await callerFor(user, { id: device.deviceId, name: "Packaged client" }) }, [change("p-1", null, "packaged")]);
    const server = await startAppServer([
      { method: "GET", path: /^\/api\/trpc\//, handler: GET },
      { method: "POST", path: /^\/api\/trpc\//, handler: POST },
    ]);
    try {
      const { stdout } = await sh(process.execPath, ["out/consumer.js"], consumerDir, { DEVPULSE_URL: server.url, DEVPULSE_TOKEN: device.token });
      const [summary, anonymous] = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(summary).toEqual({
        email: user.email,
        device: "Packaged client",
        createdAtIsDate: true,
        cursor: expect.any(Number),
        pulled: [{ collection: "projects", id: "p-1", revision: 1 }],
      });
      expect(anonymous).toEqual({ anonymous: "UNAUTHORIZED" });
    } finally {
      await server.close();
    }
  });
});
