import { spawn } from "node:child_process";
import { expect, type Page } from "@playwright/test";

/** One run of the reference CLI (`bin/devpulse.mjs --json`): its exit code and output. */
export type CliRun = { code: number | null; stdout: string; stderr: string };

/** The reference CLI as the e2e specs drive it: each device has its own config folder; the passphrase comes from the environment. */
export function createCli(passphrase: string) {
  function cli(configDir: string, args: string[], onLine?: (event: Record<string, unknown>) => void): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/devpulse.mjs", ...args, "--json"], {
        env: { ...process.env, DEVPULSE_CONFIG_DIR: configDir, DEVPULSE_PASSPHRASE: passphrase },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        stdout += text;
        for (const line of text.split("\n").filter(Boolean)) {
          try {
            onLine?.(JSON.parse(line) as Record<string, unknown>);
          } catch {
            /* not a JSON line */
          }
        }
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  function lastJson(run: CliRun): Record<string, unknown> {
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  }

  /** `devpulse login`, approved in the signed-in browser page. */
  async function loginDevice(page: Page, baseURL: string, configDir: string, name: string) {
    let showPrompt!: (url: string) => void;
    const prompted = new Promise<string>((resolve) => (showPrompt = resolve));
    const login = cli(configDir, ["login", "--url", baseURL, "--name", name], (event) => {
      if (event.event === "prompt") showPrompt(String(event.verificationUriComplete));
    });
    await page.goto(await prompted);
    await page.getByRole("button", { name: "Approve device" }).click();
    await expect(page.getByRole("heading", { name: `“${name}” is connected` })).toBeVisible();
    expect(lastJson(await login)).toMatchObject({ event: "signed_in" });
  }

  return { cli, lastJson, loginDevice };
}
