import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Where /docs loads the Scalar API reference's browser bundle from: this deployment. */
export const SCALAR_SCRIPT_PATH = "/docs/scalar.js";

/**
 * The standalone browser bundle of @scalar/api-reference (one file, no further requests),
 * read from node_modules: next.config.mjs traces it into the standalone output.
 */
const BUNDLE = join("node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");

let cached: Promise<Uint8Array<ArrayBuffer>> | undefined;

/** Read once (about 5 MB), then answered from memory as it is: a response body needs no copy of its own. */
export function readScalarBundle(): Promise<Uint8Array<ArrayBuffer>> {
  cached ??= readFile(join(process.cwd(), BUNDLE)).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
