import { providerName } from "~/lib/providers";
import { formatDateTimeIn, type SupportedLocale } from "~/lib/schemas/locale";
import { collectionLabel } from "~/lib/schemas/collections";
import { browserTimeZone } from "../calendar/format";

/** Words for everything the privacy page shows: consents, activities, legal bases (collections: collectionLabels beside the collection list). */

/** "cloud_sync" → "Cloud sync", "integration:github" → "GitHub integration". */
export function consentTypeLabel(type: string): string {
  if (type === "cloud_sync") return "Cloud sync";
  if (type.startsWith("integration:")) return `${providerName(type.slice("integration:".length))} integration`;
  return type;
}

export const activityLabels = {
  sync_upload: "Sync upload",
  integration_sync: "Integration sync",
  export: "Data export",
  deletion: "Deletion",
  correlation: "Commit correlation",
  consent_change: "Consent change",
  settings_change: "Settings change",
  notification: "Notification",
} as const;
export type ProcessingActivity = keyof typeof activityLabels;
export const processingActivities = Object.keys(activityLabels) as ProcessingActivity[];

export const legalBasisLabels: Record<string, { name: string; description: string }> = {
  consent: { name: "Your consent", description: "You turned this on and can withdraw it at any time (GDPR art. 6(1)(a))." },
  contract: { name: "Our contract with you", description: "Needed to provide the service you signed up for (GDPR art. 6(1)(b))." },
  legal_obligation: { name: "Legal obligation", description: "The law requires us to do or record this (GDPR art. 6(1)(c))." },
  legitimate_interest: { name: "Legitimate interest", description: "Needed to keep the service secure and working (GDPR art. 6(1)(f))." },
};

const settingNames: Record<string, string> = {
  enableCloudSync: "cloud sync",
  collections: "synced collections",
  integrations: "integration settings",
  retentionPolicy: "retention policy",
};

/** camelCase / snake_case → "lower case words". */
function words(key: string): string {
  return key
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
}

type DetailValue = string | number | boolean | string[] | null | undefined;

function detailValue(key: string, value: DetailValue): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map((entry) => (key === "changed" ? (settingNames[entry] ?? words(entry)) : entry)).join(", ") || "none";
  if (typeof value === "boolean") return key === "granted" ? (value ? "given" : "withdrawn") : value ? "yes" : "no";
  if (key === "type" && typeof value === "string") return consentTypeLabel(value);
  if (key === "provider" && typeof value === "string") return providerName(value);
  if (key === "format" && typeof value === "string") return value.toUpperCase();
  if (key === "collection" && typeof value === "string") return collectionLabel(value).toLowerCase();
  // Ids (devices, records) are long: their first characters identify them well enough here.
  if (typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(value)) return value.slice(0, 8);
  return String(value);
}

/** The details of a processing log entry in one readable line: "Changed: retention policy · 3 changes". */
export function summarizeDetails(details: unknown): string {
  if (!details || typeof details !== "object") return "";
  return Object.entries(details as Record<string, DetailValue>)
    .map(([key, value]) => {
      const label = key === "changed" ? "Changed" : key === "policyVersion" ? "Policy version" : words(key).replace(/^./, (first) => first.toUpperCase());
      return `${label}: ${detailValue(key, value)}`;
    })
    .join(" · ");
}

/**
 * When a consent or log entry was recorded, on the browser's clock, written as the user's
 * emails write it (their locale, zone named): "2 Jul 2026, 00:30 BST".
 */
export function formatDate(locale: SupportedLocale, date: Date | string): string {
  return formatDateTimeIn(locale, browserTimeZone(), new Date(date));
}

/** A number of days typed by the user: the number, or the reason it cannot be saved (the server's limits). */
export function parseDays(raw: string, what: string): { days: number; error?: undefined } | { days?: undefined; error: string } {
  const text = raw.trim();
  if (text === "") return { error: `Enter how many days to keep ${what}.` };
  if (!/^-?\d+$/.test(text)) return { error: `${capitalize(what)}: enter a whole number of days.` };
  const days = Number(text);
  if (days < 1) return { error: `${capitalize(what)} must be kept at least 1 day.` };
  if (days > 3650) return { error: `${capitalize(what)} can be kept at most 3650 days (10 years).` };
  return { days };
}

function capitalize(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
