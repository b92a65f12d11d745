import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { authorizedDevice, desktopDevice, signUp } from "./support";

/**
 * @devpulse/client as an app outside this repository gets it: built and packed with `npm pack`,
 * installed from the tarball into an empty project, type-checked there (full types for `auth.me`
 * and `sync.pull`; a misspelt field must not compile), then run against the production server
 * this suite starts.
 *
 * The package touches no database, so only the PGlite pass runs this file (playwright.config).
 * It is built into a folder of its own (`--stage`), so it never races another run over
 * packages/client/dist.
 */

const run = promisify(execFile);
const repoRoot = new URL("..", import.meta.url).pathname;
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
// the limits leave room for the other Playwright pass sharing the two cores.
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

test.describe("@devpulse/client from its packed tarball", () => {
  test.describe.configure({ mode: "serial" });
  let work: string;
  let packed: { filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> };
  let consumerDir: string;
  const tsc = () => join(consumerDir, "node_modules/typescript/bin/tsc");

  test.beforeAll(async () => {
    test.setTimeout(BUILD_AND_INSTALL_MS);
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
  });

  test.afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("packs an ES module with its declarations and nothing else", async () => {
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

  test("type-checks a consumer of auth.me and sync.pull, and refuses a field the server does not have", async () => {
    test.setTimeout(STEP_MS);
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

  test("runs the compiled consumer against the production server", async ({ page, baseURL }) => {
    const email = await signUp(page, "client-package");
    const laptop = await desktopDevice(page, baseURL!, "Laptop");
    await laptop.put("projects", "p-1", { name: "packaged" });
    await laptop.sync();
    const device = await authorizedDevice(page, baseURL!, "Packaged client");

    const { stdout } = await sh(process.execPath, ["out/consumer.js"], consumerDir, { DEVPULSE_URL: baseURL!, DEVPULSE_TOKEN: device.token });
    const [summary, anonymous] = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(summary).toEqual({
      email,
      device: "Packaged client",
      createdAtIsDate: true,
      cursor: expect.any(Number),
      pulled: [{ collection: "projects", id: "p-1", revision: 1 }],
    });
    expect(anonymous).toEqual({ anonymous: "UNAUTHORIZED" });
  });
});
