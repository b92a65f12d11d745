import { providerName } from "~/lib/providers";
import type { ChatProvider } from "../provider";
import { ProviderError } from "../resilience";

// Skeleton: the Slack provider is being written (issue 16).
const pending = (): never => {
  throw new ProviderError("slack", "unavailable", "Slack is not implemented yet.");
};

export const slack: ChatProvider = {
  id: "slack",
  name: providerName("slack"),
  kind: "chat",
  capabilities: { userStatus: true, doNotDisturb: true, channelMessage: false },
  webUrl: (env) => env.SLACK_BASE_URL.replace(/\/+$/, ""),
  configuration(env) {
    if (!env.SLACK_CLIENT_ID || !env.SLACK_CLIENT_SECRET) return { ok: false, missing: ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"] };
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
