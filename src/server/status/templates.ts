import type { DbOrTx } from "../db/client";
import type { StatusTemplate } from "~/lib/status/templates";
import type { ListedTemplate } from "./types";

// Skeleton (issue 16): the status helper implements these.
const pending = (): never => {
  throw new Error("not implemented yet");
};

export async function listTemplates(_db: DbOrTx, _userId: string): Promise<ListedTemplate[]> {
  return pending();
}
export async function upsertTemplate(_db: DbOrTx, _userId: string, _template: StatusTemplate): Promise<ListedTemplate> {
  return pending();
}
export async function removeTemplate(_db: DbOrTx, _userId: string, _key: string): Promise<{ removed: boolean }> {
  return pending();
}
