import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createCli } from "./cli";
import postgres from "postgres";
import { signUp } from "./support";

/**
 * The README's path for a new user: sign up in the browser, sign two desktop
 * devices in with the reference CLI, sync a JSON data set both ways, make a
 * conflicting edit that gets merged — and the server's storage holds no plaintext.
 */

const SYNC_PASSPHRASE = "orange battery staple of sync";
const MARKER = `PLAINTEXT-${randomUUID().slice(0, 8)}`;

const { cli, lastJson, loginDevice } = createCli(SYNC_PASSPHRASE);

function filesContaining(folder: string, needle: string): string[] {
  const bytes = Buffer.from(needle);
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (readFileSync(path).includes(bytes)) hits.push(path);
    }
  };
  walk(folder);
  return hits;
}

async function databaseText(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public'`;
    let text = "";
    for (const { table_name } of tables) {
      const rows = await sql.unsafe(`select t::text as row from "${table_name}" t`);
      text += rows.map((row) => String(row.row)).join("\n");
    }
    return text;
  } finally {
    await sql.end();
  }
}

test("two CLI devices sync a data set both ways, merge a conflicting edit, and the server stores no plaintext", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  const work = mkdtempSync(join(tmpdir(), "devpulse-cli-e2e-"));
  const laptop = join(work, "laptop");
  const desktop = join(work, "desktop");

  const email = await signUp(page, "cli");

  await loginDevice(page, baseURL!, laptop, "Laptop");
  await loginDevice(page, baseURL!, desktop, "Desktop");
  expect(statSync(join(laptop, "config.json")).mode & 0o777).toBe(0o600);
  expect(statSync(laptop).mode & 0o777).toBe(0o700);

  const dataSet = {
    projects: { devpulse: { name: `DevPulse ${MARKER}`, path: `/home/ada/${MARKER}`, color: "indigo" } },
    activities: { a1: { start: "2026-11-23T09:00:00Z", end: "2026-11-23T10:00:00Z", projectId: "devpulse", kind: "coding" } },
    focus_sessions: { f1: { start: "2026-11-23T09:00:00Z", goal: `ship ${MARKER}` } },
  };
  const file = join(work, "data.json");
  writeFileSync(file, JSON.stringify(dataSet));

  await test.step("laptop pushes, desktop pulls the same data", async () => {
    expect(lastJson(await cli(laptop, ["push", file]))).toMatchObject({ staged: 3, pushed: 3, conflicts: 0 });
    const out = join(work, "desktop.json");
    lastJson(await cli(desktop, ["sync", "--out", out]));
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(dataSet);
  });

  await test.step("both edit the same focus session; the later sync merges field by field", async () => {
    const laptopEdit = join(work, "laptop-edit.json");
    writeFileSync(laptopEdit, JSON.stringify({ focus_sessions: { f1: { ...dataSet.focus_sessions.f1, end: "2026-11-23T10:30:00Z" } } }));
    const desktopEdit = join(work, "desktop-edit.json");
    writeFileSync(desktopEdit, JSON.stringify({ focus_sessions: { f1: { ...dataSet.focus_sessions.f1, goal: `ship it ${MARKER}` } } }));
    lastJson(await cli(laptop, ["push", laptopEdit]));
    expect(lastJson(await cli(desktop, ["push", desktopEdit]))).toMatchObject({ conflicts: 1, autoResolved: 1, openConflicts: [] });

    const merged = { ...dataSet.focus_sessions.f1, goal: `ship it ${MARKER}`, end: "2026-11-23T10:30:00Z" };
    for (const device of [laptop, desktop]) {
      const out = join(work, `${device === laptop ? "laptop" : "desktop"}-final.json`);
      lastJson(await cli(device, ["sync", "--out", out]));
      expect(JSON.parse(readFileSync(out, "utf8")).focus_sessions.f1).toEqual(merged);
    }
    expect(lastJson(await cli(laptop, ["status"]))).toMatchObject({ email, pending: 0, openConflicts: 0, records: 3 });
    expect(lastJson(await cli(laptop, ["conflicts"]))).toEqual([]);
  });

  await test.step("`devpulse watch` on one device hears the other device's sync as it happens", async () => {
    const watcher = spawn(process.execPath, ["bin/devpulse.mjs", "watch", "--json"], { env: { ...process.env, DEVPULSE_CONFIG_DIR: desktop } });
    let output = "";
    watcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output).toContain('"event":"watching"');
    const change = join(work, "watch-change.json");
    // the stream may still be opening when the first change lands: keep changing until it is heard
    for (let attempt = 1; attempt <= 5 && !output.includes('"event":"sync:changed"'); attempt++) {
      writeFileSync(change, JSON.stringify({ settings: { watch: { attempt } } }));
      lastJson(await cli(laptop, ["push", change]));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(output).toContain('"event":"sync:changed"');
    const exited = new Promise((resolve) => watcher.on("close", resolve));
    watcher.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  await test.step("the server's storage holds no plaintext of the data", async () => {
    const databaseUrl = process.env.E2E_DATABASE_URL;
    if (databaseUrl) {
      const text = await databaseText(databaseUrl);
      expect(text).toContain(email); // control: the dump does see stored text
      expect(text).not.toContain(MARKER);
    } else {
      const folder = join(process.env.E2E_DATA_DIR!, "pglite");
      expect(filesContaining(folder, email).length).toBeGreaterThan(0); // control: PGlite's files do hold stored text
      expect(filesContaining(folder, MARKER)).toEqual([]);
    }
  });
});
