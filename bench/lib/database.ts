/** Typed access to the shared plain-ESM helper that creates (and drops) a throwaway database. */
// @ts-expect-error plain ESM helper shared with scripts/test.mjs (it has no type declarations)
import { createTestDatabase as createUntyped } from "../../scripts/lib/test-database.mjs";

export type TestDatabase = { name: string; url: string; drop: () => Promise<void> };

export const createTestDatabase: (serverUrl: string, label?: string) => Promise<TestDatabase> = createUntyped;
