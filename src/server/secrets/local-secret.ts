import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getEnv } from "../env";
import { logger } from "../logger";

/**
 * For the embedded default only: a secret the operator did not configure is
 * generated once into the data folder (mode 0600) and reused, with a warning, so
 * sessions survive restarts. Real deployments set the variable instead: env.ts requires
 * it in production with DATABASE_URL (and on Vercel), where instances share a database
 * but not a data folder, so this never runs there.
 */
export function readOrCreateLocalSecret(fileName: string, variableName: string, bytes = 32): string {
  const dir = getEnv().DATA_DIR;
  const file = join(dir, fileName);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(bytes).toString("base64");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  logger.warn(`${variableName} is not set: generated one into the data folder. Set ${variableName} in production.`, { file });
  return secret;
}
