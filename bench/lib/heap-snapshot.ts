/**
 * What holds a server's memory: a V8 heap snapshot taken from the running process (it is
 * started with --heapsnapshot-signal, and SIGUSR2 writes the file), read into totals by kind
 * of heap object, the largest constructors and closures, and the largest strings (module
 * sources show up there), beside the kernel's split of the RSS. No heap-snapshot library
 * reads the format without a browser's DevTools front end, and the summary needs only self
 * sizes, so this reads the documented node array itself.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { statusKiB } from "./server";

/** The Node.js flag that makes `pid` write a snapshot into `directory` on SIGUSR2. */
export const heapSnapshotFlags = (directory: string) => `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${directory}`;

/** Signals `pid` and waits until its snapshot file is complete (the process writes it synchronously, then the JSON ends). */
export async function takeHeapSnapshot(pid: number, directory: string, timeoutMs = 120_000): Promise<string> {
  const before = new Set(existsSync(directory) ? readdirSync(directory) : []);
  process.kill(pid, "SIGUSR2");
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    await sleep(500);
    const fresh = readdirSync(directory).filter((name) => name.endsWith(".heapsnapshot") && !before.has(name));
    for (const name of fresh) {
      const path = join(directory, name);
      const size = statSync(path).size;
      await sleep(1_000);
      if (statSync(path).size === size && size > 0) return path;
    }
  }
  throw new Error(`no heap snapshot from process ${pid} within ${timeoutMs / 1000} s`);
}

export type HeapSummary = {
  totalBytes: number;
  nodes: number;
  byType: Array<{ type: string; bytes: number; count: number }>;
  /** Objects by constructor and closures by function name (the largest groups). */
  byName: Array<{ type: string; name: string; bytes: number; count: number }>;
  largestStrings: Array<{ bytes: number; preview: string }>;
};

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
};

export function summarizeHeapSnapshot(path: string, top = 15): HeapSummary {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const typeNames = snapshot.meta.node_types[0];
  const byType = new Map<string, { bytes: number; count: number }>();
  const byName = new Map<string, { type: string; name: string; bytes: number; count: number }>();
  const stringNodes: Array<{ bytes: number; preview: string }> = [];
  let totalBytes = 0;
  for (let index = 0; index < nodes.length; index += width) {
    const type = typeNames[nodes[index + typeAt]!] ?? "unknown";
    const bytes = nodes[index + sizeAt]!;
    const name = strings[nodes[index + nameAt]!] ?? "";
    totalBytes += bytes;
    const ofType = byType.get(type) ?? { bytes: 0, count: 0 };
    ofType.bytes += bytes;
    ofType.count++;
    byType.set(type, ofType);
    if (type === "object" || type === "closure" || type === "native" || type === "code") {
      const key = `${type}\u0000${name}`;
      const group = byName.get(key) ?? { type, name: name || "(anonymous)", bytes: 0, count: 0 };
      group.bytes += bytes;
      group.count++;
      byName.set(key, group);
    } else if (type === "string" && bytes > 64 * 1024) {
      stringNodes.push({ bytes, preview: name.slice(0, 80).replace(/\s+/g, " ") });
    }
  }
  const descending = <T extends { bytes: number }>(items: Iterable<T>) => [...items].sort((a, b) => b.bytes - a.bytes);
  return {
    totalBytes,
    nodes: nodes.length / width,
    byType: descending([...byType].map(([type, value]) => ({ type, ...value }))),
    byName: descending(byName.values()).slice(0, top),
    largestStrings: descending(stringNodes).slice(0, top),
  };
}

/** The kernel's split of a process's resident memory (KiB): anonymous (heaps, stacks, malloc) and file-backed (the binary, libraries). */
export function residentSplit(pid: number): { rssKiB: number; anonKiB: number; fileKiB: number } {
  return { rssKiB: statusKiB(pid, "VmRSS"), anonKiB: statusKiB(pid, "RssAnon"), fileKiB: statusKiB(pid, "RssFile") };
}
