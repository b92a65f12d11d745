import { createInterface } from "node:readline";

/**
 * The sync passphrase: from DEVPULSE_PASSPHRASE (scripts, tests), else asked on the
 * terminal without echo. It is never written anywhere.
 */
export async function readPassphrase(prompt = "Sync passphrase: "): Promise<string> {
  const fromEnv = process.env.DEVPULSE_PASSPHRASE;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error("No passphrase: set DEVPULSE_PASSPHRASE or run in a terminal.");
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void; output: NodeJS.WritableStream };
  let muted = false;
  output._writeToOutput = (text: string) => {
    if (!muted || text.includes(prompt)) output.output.write(text);
  };
  try {
    return await new Promise<string>((resolve) => {
      rl.question(prompt, (answer) => {
        process.stderr.write("\n");
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}
