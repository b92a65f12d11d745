/**
 * How the calendar domain syncs, watches and looks ahead, as data. Provider facts (scopes,
 * limits, error codes) live beside each provider; these are our own choices.
 */
export const CALENDAR_SYNC = {
  /** A full sync reads a week back (this week's view) and eight weeks ahead (suggestions look up to 31 days). */
  pastDays: 7,
  futureDays: 56,
  /** An incremental sync keeps its window while it still covers this many days ahead; past that, a full sync moves it on. */
  minFutureDays: 35,
  /** How long a push watch is asked for; providers may grant less (Graph caps event subscriptions at about 3 days). */
  watchLifetimeMs: 7 * 86_400_000,
  /** Watches expiring within this are renewed (the hourly renewal runs well inside it). */
  renewWithinMs: 24 * 3_600_000,
  /** Changed events announced one by one per sync; the pages refetch on any, so more would only be noise. */
  announceLimit: 20,
  /** Conflicts are looked for this far ahead. */
  conflictHorizonDays: 28,
  /** Rows per insert statement when caching events. */
  writeChunk: 500,
} as const;

export const DAY_MS = 86_400_000;
