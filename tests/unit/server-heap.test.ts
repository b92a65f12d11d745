import { describe, expect, it } from "vitest";
import { HEAP_CEILING_MIB, serverHeapFlags } from "../../scripts/server-heap.mjs";

describe("the server's heap ceiling (scripts/server-heap.mjs)", () => {
  it("is 1 GiB where V8's default is larger", () => {
    expect(serverHeapFlags(undefined, 4144)).toEqual([`--max-old-space-size=${HEAP_CEILING_MIB}`]);
    expect(HEAP_CEILING_MIB).toBe(1024);
  });

  it("keeps V8's own default where that is smaller (a small container)", () => {
    expect(serverHeapFlags("", 495.6)).toEqual(["--max-old-space-size=495"]);
  });

  it("leaves an operator's own ceiling alone", () => {
    expect(serverHeapFlags("--enable-source-maps --max-old-space-size=3072", 4144)).toEqual([]);
    expect(serverHeapFlags("--enable-source-maps", 4144)).toEqual(["--max-old-space-size=1024"]);
  });
});
