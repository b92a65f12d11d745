/**
 * The provider catalog: every third-party service DevPulse can connect to, with the name
 * people know it by. The one definition of provider ids and display names — the realtime
 * and job schemas derive their provider enum from it, the server's registry takes each
 * provider's name from it (tests/unit/providers.test.ts holds both to it), and every page
 * and server message names a provider through `providerName`.
 *
 * `company` is who the account belongs to, for "sign in with …"; `name` is the service the
 * integration reads (Google Calendar, not all of Google).
 */
export const PROVIDER_IDS = ["github", "gitlab", "google", "microsoft", "slack", "discord"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type ProviderKind = "git" | "calendar" | "chat";

export const PROVIDERS = {
  github: { name: "GitHub", company: "GitHub", kind: "git" },
  gitlab: { name: "GitLab", company: "GitLab", kind: "git" },
  google: { name: "Google Calendar", company: "Google", kind: "calendar" },
  microsoft: { name: "Microsoft Outlook", company: "Microsoft", kind: "calendar" },
  slack: { name: "Slack", company: "Slack", kind: "chat" },
  discord: { name: "Discord", company: "Discord", kind: "chat" },
} as const satisfies Record<ProviderId, { name: string; company: string; kind: ProviderKind }>;

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(PROVIDERS, value);
}

/** "gitlab" → "GitLab". An unknown id (an old log entry, a hand-edited URL) is shown as it is, never invented. */
export function providerName(id: string): string {
  return isProviderId(id) ? PROVIDERS[id].name : id;
}

/** "GitHub, GitLab, Google, Microsoft, Slack and Discord": every company an integration's access is held at, for pages that promise to revoke it. */
export const INTEGRATION_COMPANIES = new Intl.ListFormat("en", { type: "conjunction" }).format(PROVIDER_IDS.map((id) => PROVIDERS[id].company));

/** Who the account belongs to, for sign-in buttons: "google" → "Google". */
export function providerCompany(id: ProviderId): string {
  return PROVIDERS[id].company;
}
