export const conflictTypeLabels = {
  update_conflict: "Edited on both sides",
  delete_conflict: "Deleted on one side",
  schema_conflict: "Different schema versions",
} as const;
