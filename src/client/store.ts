import type { Json } from "../lib/merge/json";
import type { UnreadableRecord } from "../lib/sync/decrypt-all";

/**
 * Where the sync client keeps the device's copy of the data: plaintext values (the
 * device's own data), the server revision each is based on, and the plaintext of
 * that revision (the "base" of a later three-way merge). The desktop app plugs in
 * its own storage through this interface; memory and JSON-file stores ship here.
 */
export type LocalRecord = {
  value: Json | null;
  deleted: boolean;
  schemaVersion: number;
  /** Server revision this local state derives from; null if never synced. */
  revision: number | null;
  /** Plaintext at `revision`. */
  base: Json | null;
  baseDeleted: boolean;
  /** Schema of `base` when it differs from `schemaVersion` (a record upgraded and edited here); absent = the same. */
  baseSchemaVersion?: number;
  /** Edited locally since the last successful push. */
  dirty: boolean;
};

export type SyncSnapshot = {
  version: 1;
  /** Last sequence number pulled from the server. */
  cursor: number;
  records: Record<string, Record<string, LocalRecord>>;
  /** Records whose latest version failed verification, by "collection/id": not adopted, reported by every pull until a readable version comes. */
  unreadable?: Record<string, UnreadableRecord>;
};

export interface SyncStore {
  load(): Promise<SyncSnapshot>;
  save(snapshot: SyncSnapshot): Promise<void>;
}

export const emptySnapshot = (): SyncSnapshot => ({ version: 1, cursor: 0, records: {} });

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createMemoryStore(initial: SyncSnapshot = emptySnapshot()): SyncStore {
  let snapshot = clone(initial);
  return {
    async load() {
      return clone(snapshot);
    },
    async save(next) {
      snapshot = clone(next);
    },
  };
}

/**
 * A JSON file (mode 0600), replaced atomically on every save so a crash never
 * leaves half a file. Node and Electron only.
 */
export function createFileStore(path: string): SyncStore {
  return {
    async load() {
      const { readFile } = await import("node:fs/promises");
      try {
        const parsed = JSON.parse(await readFile(path, "utf8")) as SyncSnapshot;
        if (parsed.version !== 1) throw new Error(`Unsupported store version in ${path}`);
        return parsed;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptySnapshot();
        throw error;
      }
    },
    async save(snapshot) {
      const { mkdir, rename, writeFile } = await import("node:fs/promises");
      const { dirname } = await import("node:path");
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(snapshot), { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}
