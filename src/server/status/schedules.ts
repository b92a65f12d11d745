import type { DbOrTx } from "../db/client";
import type { ScheduleStatusInput } from "./inputs";
import type { StatusSchedule } from "./types";

// Skeleton (issue 16): the status helper implements these.
const pending = (): never => {
  throw new Error("not implemented yet");
};

export async function scheduleStatus(_db: DbOrTx, _userId: string, _input: ScheduleStatusInput): Promise<StatusSchedule> {
  return pending();
}
export async function listSchedules(_db: DbOrTx, _userId: string): Promise<StatusSchedule[]> {
  return pending();
}
export async function cancelSchedule(_db: DbOrTx, _userId: string, _id: string): Promise<StatusSchedule> {
  return pending();
}
