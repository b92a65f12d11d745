import type { ProviderId } from "./provider";
import { github } from "./github/provider";
import { gitlab } from "./gitlab/provider";
import type { Provider } from "./provider";

/** Every integration, one line each. Adding a provider: a folder implementing Provider, and a line here. */
export const providers = {
  github,
  gitlab,
} as const satisfies Partial<Record<ProviderId, Provider>>;

export type RegisteredProviderId = keyof typeof providers;
export const registeredProviderIds = Object.keys(providers) as RegisteredProviderId[];

export function isRegisteredProvider(id: string): id is RegisteredProviderId {
  return Object.hasOwn(providers, id);
}
