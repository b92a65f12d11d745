import { afterAll, beforeAll } from "vitest";
import { reloadEnv } from "~/server/env";

/**
 * For one test file: sets environment variables (computed once the file's doubles
 * are up) and has the app re-read them; afterwards restores the previous values,
 * so the next file sees the environment it expects.
 */
export function useEnv(variables: () => Record<string, string | undefined>) {
  const previous = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const [name, value] of Object.entries(variables())) {
      previous.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    reloadEnv();
  });
  afterAll(() => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    reloadEnv();
  });
}
