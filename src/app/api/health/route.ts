import { getDb } from "~/server/db/client";
import { healthResponse } from "~/server/health/check-health";

export const dynamic = "force-dynamic";

export function GET() {
  return healthResponse(getDb);
}
