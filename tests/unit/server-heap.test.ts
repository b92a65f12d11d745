import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HEAP_CEILING_MIB, serverHeapFlags } from "../../scripts/server-heap.mjs";

describe("the server's heap ceiling (scripts/server-heap.mjs)", () => {
  it("is 1 GiB where V8's default is larger", () => {
    expect(serverHeapFlags(undefined, 4144)).toEqual([`--max-old-space-size=${HEAP_CEILING_MIB}`]);
  });

  it("is the one the Docker image runs with (the Dockerfile cannot import it)", () => {
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    expect(dockerfile).toMatch(new RegExp(`^ENV NODE_OPTIONS=--max-old-space-size=${HEAP_CEILING_MIB}$`, "m"));
  });

  it("keeps V8's own default where that is smaller (a small container)", () => {
    expect(serverHeapFlags("", 495.6)).toEqual(["--max-old-space-size=495"]);
  });

  it("leaves an operator's own ceiling alone", () => {
    expect(serverHeapFlags("--enable-source-maps --max-old-space-size=3072", 4144)).toEqual([]);
    expect(serverHeapFlags("--enable-source-maps", 4144)).toEqual(["--max-old-space-size=1024"]);
  });
});
