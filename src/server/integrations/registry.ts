import { discord } from "./discord/provider";
import { github } from "./github/provider";
import { gitlab } from "./gitlab/provider";
import { google } from "./google/provider";
import { microsoft } from "./microsoft/provider";
import type { CalendarProvider, ChatProvider, GitProvider, Provider, ProviderId } from "./provider";
import { slack } from "./slack/provider";

/** Every integration, one line each, under its kind. Adding a provider: a folder implementing its kind's interface, and a line here. */
export const gitProviders = {
  github,
  gitlab,
} as const satisfies Partial<Record<ProviderId, GitProvider>>;

export const chatProviders = {
  slack,
  discord,
} as const satisfies Partial<Record<ProviderId, ChatProvider>>;

export const calendarProviders = {
  google,
  microsoft,
} as const satisfies Partial<Record<ProviderId, CalendarProvider>>;

export const providers = { ...gitProviders, ...chatProviders, ...calendarProviders } as const satisfies Partial<Record<ProviderId, Provider>>;

export type RegisteredProviderId = keyof typeof providers;
export type GitProviderId = keyof typeof gitProviders;
export type ChatProviderId = keyof typeof chatProviders;
export type CalendarProviderId = keyof typeof calendarProviders;
export const registeredProviderIds = Object.keys(providers) as RegisteredProviderId[];
export const chatProviderIds = Object.keys(chatProviders) as ChatProviderId[];
export const calendarProviderIds = Object.keys(calendarProviders) as CalendarProviderId[];

export function isRegisteredProvider(id: string): id is RegisteredProviderId {
  return Object.hasOwn(providers, id);
}

export function isGitProvider(id: string): id is GitProviderId {
  return Object.hasOwn(gitProviders, id);
}

export function isChatProvider(id: string): id is ChatProviderId {
  return Object.hasOwn(chatProviders, id);
}

export function isCalendarProvider(id: string): id is CalendarProviderId {
  return Object.hasOwn(calendarProviders, id);
}
