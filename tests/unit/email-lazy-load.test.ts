import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The email SDKs and React Email load with the first message that needs them, never with the
 * server: a fresh process imports the app's router (what every API request loads) while a
 * module hook reports each package module resolved.
 */
const HEAVY = ["resend", "postmark", "@sendgrid/client", "@sendgrid/mail", "nodemailer", "@react-email/components", "@react-email/render"];

const REPORT_HOOK = `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes("/node_modules/")) process.stderr.write("resolved " + resolved.url + "\\\\n");
  return resolved;
}\`));`;

async function packagesLoadedBy(file: string): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), "devpulse-lazy-load-"));
  try {
    writeFileSync(join(folder, "report.mjs"), REPORT_HOOK);
    writeFileSync(join(folder, "probe.mjs"), `await import(${JSON.stringify(pathToFileURL(resolve(file)).href)});\nprocess.exit(0);\n`);
    const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--import", pathToFileURL(join(folder, "report.mjs")).href, join(folder, "probe.mjs")], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: folder },
      timeout: 60_000,
    });
    const urls = stderr.split("\n").filter((line) => line.startsWith("resolved ")).map((line) => line.slice("resolved ".length));
    expect(urls.length, "the hook reported nothing: the probe proves nothing").toBeGreaterThan(10);
    return HEAVY.filter((name) => urls.some((url) => url.includes(`/node_modules/${name}/`)));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe("email: heavy modules load lazily", () => {
  it("the app's router loads no provider SDK and no React Email", async () => {
    expect(await packagesLoadedBy("src/server/api/root.ts")).toEqual([]);
  }, 90_000);

  it("rendering a template loads React Email (the probe sees what it should)", async () => {
    expect(await packagesLoadedBy("src/server/email/templates/index.tsx")).toEqual(expect.arrayContaining(["@react-email/components", "@react-email/render"]));
  }, 90_000);
});
