import type { DbOrTx } from "../db/client";
import type { Env } from "../env";
import type { StatusSource } from "~/lib/status/templates";
import type { HeartbeatInput, SetStatusInput, StatusSettingsPatch } from "./inputs";
import type { CurrentStatus } from "./types";

// Skeleton (issue 16): the status helper implements these.
const pending = (): never => {
  throw new Error("not implemented yet");
};

export async function recordHeartbeat(_db: DbOrTx, _userId: string, _input: HeartbeatInput): Promise<{ changed: boolean }> {
  return pending();
}
export async function setStatus(_db: DbOrTx, _userId: string, _input: SetStatusInput, _source: StatusSource): Promise<CurrentStatus["status"]> {
  return pending();
}
export async function clearStatus(_db: DbOrTx, _userId: string): Promise<{ cleared: boolean }> {
  return pending();
}
export async function currentStatus(_db: DbOrTx, _env: Env, _userId: string): Promise<CurrentStatus> {
  return pending();
}
export async function updateStatusSettings(_db: DbOrTx, _userId: string, _patch: StatusSettingsPatch): Promise<CurrentStatus["settings"]> {
  return pending();
}
