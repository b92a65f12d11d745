import { isProviderId, providerName } from "./providers";

/**
 * Why connecting an integration failed, in our own words: the server throws these
 * (integrations/connections.ts, oauth.ts), the OAuth callback sends the user back to
 * /integrations with ?provider=…&error=<the sentence>, and the page shows a sentence only if
 * it is one of these, matched exactly. Anyone can craft such a link, so the page never shows
 * the URL's own text.
 */
export const CONNECT_ERRORS = {
  cancelled: (name: string) => `You cancelled connecting ${name}.`,
  expired: (name: string) => `This ${name} authorization expired (after 10 minutes). Start connecting again.`,
  unknownState: (name: string) => `This ${name} authorization is unknown or was already used. Start connecting again.`,
  otherAccount: (name: string) => `This ${name} authorization was started by another account.`,
  noState: (name: string) => `${name} did not send back the authorization state. Start connecting again.`,
  noCode: (name: string) => `${name} did not send an authorization code. Start connecting again.`,
} satisfies Record<string, (name: string) => string>;

/** The error banner's text for `?provider=&error=`, or null when the link names no provider we know (then nothing true can be said). */
export function connectErrorMessage(provider: string | null, error: string | null): string | null {
  if (!error || !provider || !isProviderId(provider)) return null;
  const name = providerName(provider);
  const ours = Object.values(CONNECT_ERRORS).map((sentence) => sentence(name));
  // A provider's own refusal or outage: its wording stays out of our page; the card shows any lasting error.
  return ours.includes(error) ? error : `${name} could not be connected. Start connecting again; if it keeps failing, try again later.`;
}
