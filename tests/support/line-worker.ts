import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A stand-alone server process (a script under tests/support, run with tsx) spoken to in lines:
 * the test writes a line to its stdin, the process answers on stdout. Only `env` and the basics
 * are passed on, so it reads no setting of the test process by accident; a data folder of its own.
 */
export function startLineWorker(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), NODE_ENV: "test", LOG_LEVEL: "error", APP_URL: "http://localhost:3000", DATA_DIR: mkdtempSync(join(tmpdir(), "devpulse-worker-")), ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    nextLine: async (): Promise<string> => {
      const line = await lines.next();
      if (line.done) throw new Error(`the server process ended early: ${stderr}`);
      return line.value;
    },
    writeLine: (line: string) => void child.stdin.write(`${line}\n`),
    kill: () => child.kill("SIGKILL"),
  };
}
