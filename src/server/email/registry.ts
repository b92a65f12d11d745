import type { EmailProviderId, Env } from "../env";
import { sha256Hex } from "../hash";
import { postmarkFacts } from "./postmark/facts";
import { postmarkProvider } from "./postmark/provider";
import type { EmailProvider, EmailProviderFacts } from "./provider";
import { resendFacts } from "./resend/facts";
import { resendProvider } from "./resend/provider";
import { sendgridFacts } from "./sendgrid/facts";
import { sendgridProvider } from "./sendgrid/provider";
import { smtpFacts } from "./smtp/facts";
import { smtpProvider } from "./smtp/provider";

type ProviderEntry = { facts: EmailProviderFacts; create: (env: Env) => EmailProvider };

/** Every email provider, one line each: its facts as data and its constructor; a Record over the id union, so none can be half-registered. */
export const emailProviders: Record<EmailProviderId, ProviderEntry> = {
  smtp: { facts: smtpFacts, create: smtpProvider },
  resend: { facts: resendFacts, create: resendProvider },
  postmark: { facts: postmarkFacts, create: postmarkProvider },
  sendgrid: { facts: sendgridFacts, create: sendgridProvider },
};

/** The provider's configuration: a digest of the values of the variables its facts name (a key that holds no secret). */
export function providerConfiguration(env: Env, id: EmailProviderId): string {
  return `${id}:${sha256Hex(JSON.stringify(emailProviders[id].facts.configuredBy.map((name) => env[name] ?? null)))}`;
}

/** One provider (and its SDK client) per configuration; a configuration changes only with the environment, so few are ever made. */
const built = new Map<string, EmailProvider>();

export function emailProvider(env: Env, id: EmailProviderId): EmailProvider {
  const key = providerConfiguration(env, id);
  let provider = built.get(key);
  if (!provider) {
    provider = emailProviders[id].create(env);
    built.set(key, provider);
  }
  return provider;
}
