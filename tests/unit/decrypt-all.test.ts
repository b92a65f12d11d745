import { describe, expect, it } from "vitest";
import { sealRecord } from "~/lib/crypto";
import { decryptAllRecords, type PulledVersion, type PullPage } from "~/lib/sync/decrypt-all";

const USER = "7b3a369d-a2af-476b-bd23-d705a05612be";

describe("decryptAllRecords", () => {
  it("keeps each record once, at its latest version, when it changes or is deleted while the pages are read", async () => {
    const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    let seq = 0;
    const version = async (id: string, revision: number, value: unknown): Promise<PulledVersion> => ({
      collection: "projects",
      id,
      revision,
      seq: ++seq,
      schemaVersion: 1,
      deleted: false,
      ...(await sealRecord(dataKey, { userId: USER, collection: "projects", recordId: id, schemaVersion: 1 }, value)),
    });
    // The server's sequence as two pages: "a" and "b" are read, then edited and deleted before the second page.
    const first = [await version("a", 1, { name: "A" }), await version("b", 1, { name: "B" })];
    const second = [await version("a", 2, { name: "A, renamed" }), { collection: "projects" as const, id: "b", revision: 2, seq: ++seq, schemaVersion: 1, deleted: true, ciphertext: null, checksum: null }];
    const pages: PullPage[] = [
      { changes: first, cursor: 2, hasMore: true, latestSeq: 4 },
      { changes: second, cursor: 4, hasMore: false, latestSeq: 4 },
    ];
    const cursors: number[] = [];
    const result = await decryptAllRecords({
      pull: async ({ cursor }) => {
        cursors.push(cursor);
        return pages.shift()!;
      },
      dataKey,
      userId: USER,
    });
    expect(cursors).toEqual([0, 2]);
    expect(result).toEqual({ records: [{ collection: "projects", id: "a", revision: 2, schemaVersion: 1, value: { name: "A, renamed" } }], unreadable: [] });
  });
});
