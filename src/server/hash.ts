import { createHash } from "node:crypto";

/** Lowercase hex SHA-256 of a UTF-8 string (token hashes, ciphertext checksums). */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
