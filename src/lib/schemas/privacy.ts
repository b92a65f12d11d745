import { z } from "zod";
import { integrationProvider } from "../realtime/events";
import { STATUS_LIMITS } from "../status/templates";
import { SYNC_COLLECTIONS } from "./collections";
import { ZText } from "./primitives";

/**
 * The user's privacy settings (the seed's PrivacySettings), shared by the server that
 * enforces them and the pages that edit them. Stored as one document; fields added
 * later take their defaults, so a stored document never fails to read.
 */
const days = (what: string) => z.number({ error: `${what} must be a number of days` }).int(`${what} must be whole days`).min(1, `${what} must be at least 1 day`).max(3650, `${what} must be at most 3650 days (10 years)`);

/**
 * What an integration may do, each a permission the user can withhold. Reading the
 * repository list is what connecting means, so every chosen set includes it.
 */
export const INTEGRATION_FEATURES = ["repositories", "commits", "webhooks"] as const;
export type IntegrationFeature = (typeof INTEGRATION_FEATURES)[number];
const ZIntegrationPermissions = z
  .array(z.enum(INTEGRATION_FEATURES, { error: (issue) => `Unknown permission ${JSON.stringify(issue.input)}: expected ${INTEGRATION_FEATURES.join(", ")}` }))
  .max(INTEGRATION_FEATURES.length)
  .refine((permissions) => permissions.includes("repositories"), "permissions must include \"repositories\": to stop an integration entirely, withdraw its consent");

export const ZIntegrationPrivacy = z.object({
  enabled: z.boolean().default(true),
  /** The features allowed to run; empty (as stored before permissions were enforced) = all. */
  permissions: z.array(z.string().min(1).max(50)).max(20).default([]),
  autoSync: z.boolean().default(true),
  /** Cached data from this provider is deleted after this many days. */
  retentionDays: days("retentionDays").default(90),
});

export const ZPrivacySettings = z.object({
  /** Off until the user consents (privacy.recordConsent, or setting a sync passphrase); only a consent decision changes it. */
  enableCloudSync: z.boolean().default(false),
  collections: z
    .object(Object.fromEntries(SYNC_COLLECTIONS.map((collection) => [collection, z.boolean().default(true)])) as Record<(typeof SYNC_COLLECTIONS)[number], z.ZodDefault<z.ZodBoolean>>)
    .default({ projects: true, activities: true, focus_sessions: true, settings: true }),
  integrations: z.partialRecord(integrationProvider, ZIntegrationPrivacy).default({}),
  /** Chat status: whether the project name may follow the activity ("Coding · devpulse"), and projects never named. */
  statusSharing: z
    .object({
      projectContext: z.boolean().default(false),
      privateProjects: z.array(z.string().min(1).max(STATUS_LIMITS.projectContext)).max(100).default([]),
    })
    .default({ projectContext: false, privateProjects: [] }),
  /**
   * Calendars: what the event cache may keep (free/busy is always kept; a private event's title
   * never is), and what the chat status shows from the calendar.
   */
  calendar: z
    .object({
      titles: z.boolean().default(false),
      attendees: z.boolean().default(false),
      /** While a focus block runs, the chat status shows focus. */
      focusStatus: z.boolean().default(true),
      /** During a meeting, the chat status shows the meeting template… */
      meetingStatus: z.boolean().default(false),
      /** …with the meeting's title (only where titles are kept). */
      meetingTitles: z.boolean().default(false),
    })
    .default({ titles: false, attendees: false, focusStatus: true, meetingStatus: false, meetingTitles: false }),
  retentionPolicy: z
    .object({
      localRetentionDays: days("localRetentionDays").default(365),
      /** Sync history older than this is trimmed (each record's current revision is kept). */
      cloudRetentionDays: days("cloudRetentionDays").default(365),
      autoDeleteAfterInactivity: z.boolean().default(false),
    })
    .default({ localRetentionDays: 365, cloudRetentionDays: 365, autoDeleteAfterInactivity: false }),
});

export type PrivacySettings = z.infer<typeof ZPrivacySettings>;

/**
 * What `autoDeleteAfterInactivity` means, shown on /privacy and applied by the daily
 * review job: after this long without any signed-in use the account is deleted,
 * never before a warning mail and this many days of notice.
 */
export const INACTIVITY_POLICY = { deleteAfterDays: 365, warnDaysBefore: 30 } as const;
export const DEFAULT_PRIVACY_SETTINGS: PrivacySettings = ZPrivacySettings.parse({});

/** Whether the settings let an integration run at all, or one feature of it. */
export function integrationAllows(settings: PrivacySettings, provider: keyof PrivacySettings["integrations"], feature?: IntegrationFeature): boolean {
  const choice = settings.integrations[provider];
  if (!(choice?.enabled ?? true)) return false;
  if (!feature || !choice || choice.permissions.length === 0) return true;
  return choice.permissions.includes(feature);
}

/** A change to some of the settings: any subset, validated field by field. */
export const ZPrivacySettingsPatch = z
  .object({
    enableCloudSync: z.boolean(),
    collections: z.object(Object.fromEntries(SYNC_COLLECTIONS.map((collection) => [collection, z.boolean()]))).partial().strict(),
    // Spelled out without defaults: a patch carries only what the user changed.
    integrations: z.partialRecord(
      integrationProvider,
      z.object({ enabled: z.boolean(), permissions: ZIntegrationPermissions, autoSync: z.boolean(), retentionDays: days("retentionDays") }).partial().strict(),
    ),
    statusSharing: z
      .object({
        projectContext: z.boolean(),
        privateProjects: z.array(ZText.trim().min(1).max(STATUS_LIMITS.projectContext, `Use at most ${STATUS_LIMITS.projectContext} characters for a project name`)).max(100, "Mark at most 100 projects private"),
      })
      .partial()
      .strict(),
    calendar: z.object({ titles: z.boolean(), attendees: z.boolean(), focusStatus: z.boolean(), meetingStatus: z.boolean(), meetingTitles: z.boolean() }).partial().strict(),
    retentionPolicy: z
      .object({ localRetentionDays: days("localRetentionDays"), cloudRetentionDays: days("cloudRetentionDays"), autoDeleteAfterInactivity: z.boolean() })
      .partial()
      .strict(),
  })
  .partial()
  .strict();
export type PrivacySettingsPatch = z.infer<typeof ZPrivacySettingsPatch>;
