import { defineConfig } from "vitest/config";
import base from "./vitest.config.mjs";

/** `npm run test:reliability` (scripts/reliability.mjs): the heavy trials of tests/reliability, on the suite's own setup. */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["tests/reliability/**/*.reliability.ts"], testTimeout: 30 * 60_000 },
});
