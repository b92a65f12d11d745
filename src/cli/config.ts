import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * The CLI's credentials and local data live in one folder (0700) whose files are
 * 0600: the device token is a password. Override with DEVPULSE_CONFIG_DIR.
 */
export function configDir(): string {
  return process.env.DEVPULSE_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "devpulse");
}

export const configPath = () => join(configDir(), "config.json");
export const storePath = () => join(configDir(), "store.json");

const ZCliConfig = z.object({
  url: z.url(),
  token: z.string().startsWith("dp_"),
  deviceId: z.uuid(),
  deviceName: z.string(),
});
export type CliConfig = z.infer<typeof ZCliConfig>;

export async function loadConfig(): Promise<CliConfig | undefined> {
  try {
    return ZCliConfig.parse(JSON.parse(await readFile(configPath(), "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${configPath()} is not a valid DevPulse config: run \`devpulse login\` again.`);
  }
}

export async function requireConfig(): Promise<CliConfig> {
  const config = await loadConfig();
  if (!config) throw new Error("Not signed in: run `devpulse login` first.");
  return config;
}

export async function saveConfig(config: CliConfig): Promise<void> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  await chmod(configDir(), 0o700);
  await writeFile(configPath(), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(configPath(), 0o600);
}

export async function removeConfig(): Promise<void> {
  await rm(configPath(), { force: true });
}
