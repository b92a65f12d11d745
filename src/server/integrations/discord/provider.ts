import { providerName } from "~/lib/providers";
import type { ChatProvider } from "../provider";
import { ProviderError } from "../resilience";

// Skeleton: the Discord provider is being written (issue 16).
const pending = (): never => {
  throw new ProviderError("discord", "unavailable", "Discord is not implemented yet.");
};

export const discord: ChatProvider = {
  id: "discord",
  name: providerName("discord"),
  kind: "chat",
  capabilities: { userStatus: false, doNotDisturb: false, channelMessage: true },
  webUrl: (env) => env.DISCORD_BASE_URL.replace(/\/+$/, ""),
  configuration(env) {
    if (!env.DISCORD_CLIENT_ID || !env.DISCORD_CLIENT_SECRET || !env.DISCORD_BOT_TOKEN) return { ok: false, missing: ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_BOT_TOKEN"] };
    return pending();
  },
  exchangeCode: pending,
  refreshTokens: pending,
  fetchAccount: pending,
  revoke: pending,
  readStatus: pending,
  writeStatus: pending,
  setDoNotDisturb: pending,
  listChannels: async () => [],
};
