/**
 * The server's old-generation ceiling, in MiB: 1 GiB, or V8's own default where that is smaller (a
 * small container). Not for the ceiling itself, which no load here comes near (10,000 open streams:
 * ~400 MiB RSS), but for how V8 grows the heap below it: with a ceiling of 2 GiB or more (its
 * default on any machine with 8 GiB of memory or more) V8 lets the old generation reach up to four
 * times its live size before a full collection; with 1 GiB, about 1.6 times at most. Push trials
 * alone peaked at 254–270 MiB instead of 386–435, at a push rate within the run-to-run noise
 * (bench/README.md, "What sets the peak").
 * The Dockerfile sets the same value in NODE_OPTIONS.
 */
export const HEAP_CEILING_MIB = 1024;

/** The flags `npm start` runs server.js with: none when the operator set their own ceiling in NODE_OPTIONS. */
export function serverHeapFlags(nodeOptions, defaultCeilingMib) {
  if (/--max-old-space-size\b/.test(nodeOptions ?? "")) return [];
  return [`--max-old-space-size=${Math.min(HEAP_CEILING_MIB, Math.floor(defaultCeilingMib))}`];
}
