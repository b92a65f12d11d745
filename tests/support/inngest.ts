import type { Inngest } from "inngest";
import { afterAll, beforeAll } from "vitest";
import { parseEnv } from "~/server/env";
import { createInngestClient } from "~/server/jobs/client";
import { startInngestDouble } from "../doubles/inngest/server";

export const TEST_INNGEST_EVENT_KEY = "test-event-key";

/**
 * For one test file: a local double of Inngest's server and an Inngest client
 * pointed at it (INNGEST_DEV mode), as the app would be with INNGEST_DEV=<url>.
 */
export function useInngestDouble() {
  const state = {} as { double: Awaited<ReturnType<typeof startInngestDouble>>; client: Inngest };
  beforeAll(async () => {
    state.double = await startInngestDouble({ eventKey: TEST_INNGEST_EVENT_KEY });
    state.client = createInngestClient(parseEnv({ INNGEST_DEV: state.double.url, INNGEST_EVENT_KEY: TEST_INNGEST_EVENT_KEY }));
  });
  afterAll(() => state.double.close());
  return state;
}
