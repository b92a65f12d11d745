import type { SyncCollection } from "./collections";

/**
 * How a device resolves a conflict in each collection, unless the user changed it:
 * activities are append-only (both versions are kept, nothing is lost), focus
 * sessions and settings merge field by field, projects wait for a person.
 */
export const MERGE_RULE_STRATEGIES = ["local_wins", "remote_wins", "merge", "manual", "append_only"] as const;
export type MergeRuleStrategy = (typeof MERGE_RULE_STRATEGIES)[number];

export const DEFAULT_MERGE_RULES: Record<SyncCollection, MergeRuleStrategy> = {
  activities: "append_only",
  focus_sessions: "merge",
  projects: "manual",
  settings: "merge",
};
