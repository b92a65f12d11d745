import type { EmailProviderId, Env } from "../env";
import { sha256Hex } from "../hash";
import { postmarkFacts } from "./postmark/facts";
import type { EmailProvider, EmailProviderFacts } from "./provider";
import { resendFacts } from "./resend/facts";
import { sendgridFacts } from "./sendgrid/facts";
import { smtpFacts } from "./smtp/facts";

type ProviderEntry = { facts: EmailProviderFacts; load: () => Promise<(env: Env) => EmailProvider> };

/**
 * Every email provider, one line each (a Record over the id union, so none can be half-registered):
 * its facts as data, and its module with the SDK, imported when the provider first sends, so a
 * server that does not send through Postmark or SendGrid never loads their SDKs.
 */
export const emailProviders: Record<EmailProviderId, ProviderEntry> = {
  smtp: { facts: smtpFacts, load: async () => (await import("./smtp/provider")).smtpProvider },
  resend: { facts: resendFacts, load: async () => (await import("./resend/provider")).resendProvider },
  postmark: { facts: postmarkFacts, load: async () => (await import("./postmark/provider")).postmarkProvider },
  sendgrid: { facts: sendgridFacts, load: async () => (await import("./sendgrid/provider")).sendgridProvider },
};

/** The provider's configuration: a digest of the values of the variables its facts name (a key that holds no secret). */
export function providerConfiguration(env: Env, id: EmailProviderId): string {
  return `${id}:${sha256Hex(JSON.stringify(emailProviders[id].facts.configuredBy.map((name) => env[name] ?? null)))}`;
}

/** One provider (and its SDK client) per configuration; a configuration changes only with the environment, so few are ever made. */
const built = new Map<string, Promise<EmailProvider>>();

export function emailProvider(env: Env, id: EmailProviderId): Promise<EmailProvider> {
  const key = providerConfiguration(env, id);
  let provider = built.get(key);
  if (!provider) {
    provider = emailProviders[id].load().then((create) => create(env));
    // One that could not be loaded or built is tried afresh by the next send, not remembered.
    provider.catch(() => built.delete(key));
    built.set(key, provider);
  }
  return provider;
}
