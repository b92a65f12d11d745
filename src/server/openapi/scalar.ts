import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Where /docs loads the Scalar API reference's browser bundle from: this deployment. */
export const SCALAR_SCRIPT_PATH = "/docs/scalar.js";

/**
 * The standalone browser bundle of @scalar/api-reference (one file, no further requests),
 * read from node_modules: next.config.mjs traces it into the standalone output.
 */
const BUNDLE = join("node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");

let cached: Promise<Buffer> | undefined;

export function readScalarBundle(): Promise<Buffer> {
  cached ??= readFile(join(process.cwd(), BUNDLE)).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
