"use client";

import { createContext, useContext, type ReactNode } from "react";
import { DEFAULT_LOCALE, type SupportedLocale } from "~/lib/schemas/locale";
import { api } from "~/trpc/react";

/**
 * The signed-in user's locale (users.locale), for writing dates, times and numbers on the
 * pages as their emails do. The words stay English: only the format follows it.
 */

const LocaleContext = createContext<SupportedLocale | undefined>(undefined);

/**
 * Gives every page under it the account's locale. `initialLocale` is read on the server
 * with the page, so the first render (on the server and while account.get loads) is already
 * in it; after that the account query is the source, and a change saved in the settings
 * (account.updateLocale, which writes account.get's cache) re-formats every page at once.
 */
export function LocaleProvider({ initialLocale, children }: { initialLocale: SupportedLocale; children: ReactNode }) {
  const account = api.account.get.useQuery();
  return <LocaleContext.Provider value={account.data?.locale ?? initialLocale}>{children}</LocaleContext.Provider>;
}

/** The locale to format in; the default outside a provider (pages before sign-in, components rendered alone in tests). */
export function useLocale(): SupportedLocale {
  return useContext(LocaleContext) ?? DEFAULT_LOCALE;
}
