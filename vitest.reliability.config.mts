import { defineConfig } from "vitest/config";
import base from "./vitest.config.mjs";

/** `npm run test:reliability` (scripts/reliability.mjs): the heavy trials of tests/reliability, on the suite's own setup. */
export default defineConfig({
  ...base,
  // One trial at a time: each measures under load of its own making.
  test: { ...base.test, include: ["tests/reliability/**/*.reliability.ts"], testTimeout: 30 * 60_000, maxWorkers: 1 },
});
