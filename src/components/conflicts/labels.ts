import type { MergeRuleStrategy } from "~/lib/schemas/merge-rules";

export const conflictTypeLabels = {
  update_conflict: "Edited on both sides",
  delete_conflict: "Deleted on one side",
  schema_conflict: "Different schema versions",
} as const;

/** How a resolved conflict was decided, in the words of the buttons that decide it. */
export const resolutionLabels: Record<string, string> = {
  local_wins: "kept mine",
  remote_wins: "kept theirs",
  merge: "merged",
  manual: "chosen by hand",
};

/** Each merge rule in plain words: what happens when two devices changed the same record. */
export const mergeRuleLabels: Record<MergeRuleStrategy, { name: string; explain: string }> = {
  merge: {
    name: "Combine both",
    explain: "Changes to different fields are combined automatically. If both devices changed the same field, the conflict waits here for you.",
  },
  manual: { name: "Ask me", explain: "Nothing is decided automatically: every conflict waits here until you choose." },
  local_wins: {
    name: "Last to sync wins",
    explain: "The edit from the device that synced last replaces the other one. The replaced version stays in the record's history.",
  },
  remote_wins: { name: "First to sync wins", explain: "The version already on the server stays, and the later device's edit is dropped." },
  append_only: {
    name: "Keep both",
    explain: "Nothing is overwritten: the later device's version is saved as a separate copy beside the other. Suits logs such as activities.",
  },
};
