import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import { z } from "zod";
import { ZText } from "~/lib/schemas/primitives";

/**
 * Password hashing with scrypt (RFC 7914). Parameters are stored in the hash so they
 * can be raised later without invalidating existing passwords.
 * Format: scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>
 */

/**
 * The cost new passwords are hashed with: OWASP's scrypt row for a 32 MiB budget (Password Storage Cheat Sheet:
 * N = 2^17, r = 8, p = 1, or equally N = 2^15, r = 8, p = 3): 0.27 s of one CPU per hash here, where p = 1 took 0.15 s. Hashes made at an
 * earlier cost (p = 1 until December 2026) still verify, and are made again at this cost when their owner signs in.
 */
export const SCRYPT_COST = Object.freeze({ N: 2 ** 15, r: 8, p: 3 });
/**
 * What hashPassword uses: SCRYPT_COST, except in the test suite (tests/support/setup.ts), which signs up over a
 * thousand users per pass and lowers N: at the production cost they were a large share of a pass's CPU. Code, not an
 * environment variable, on purpose: no deployment's configuration can weaken it. Verification reads the cost
 * stored in each hash, so hashes of either cost verify.
 */
export const PASSWORD_HASHING = { N: SCRYPT_COST.N };
const KEY_LENGTH = 64;

/**
 * One hash per CPU at a time. Each takes 32 MiB (128 · N · r) and about a quarter of a second of one CPU: more at once
 * finish no sooner, but each holds its 32 MiB, and together they fill libuv's pool of 4 threads,
 * which file and DNS work share. Measured: bench:sync signing up 52 users, 5 at a time, raised
 * the server's RSS to 342–355 MiB, its peak of the whole run; the rest of the run stayed under 300.
 */
const hashing = pLimit(Math.max(1, availableParallelism()));

/** Hashes running and waiting for a CPU. */
export const passwordHashQueue = () => ({ running: hashing.activeCount, waiting: hashing.pendingCount, limit: hashing.concurrency });

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return hashing(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCallback(password, salt, keyLength, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N } = PASSWORD_HASHING;
  const { r, p } = SCRYPT_COST;
  const hash = await scrypt(password, salt, KEY_LENGTH, { N, r, p });
  return ["scrypt", N, r, p, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** A stored hash's parts (the format above), or null when it is not one. */
function parseStoredHash(stored: string) {
  const [scheme, n, rr, pp, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !rr || !pp || !salt || !hash) return null;
  return { cost: { N: Number(n), r: Number(rr), p: Number(pp) }, salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
}

/** Whether a stored hash was made at hashPassword's cost now (else: PHP's password_needs_rehash). */
export function isHashedAtCurrentCost(stored: string): boolean {
  const cost = parseStoredHash(stored)?.cost;
  return cost?.N === PASSWORD_HASHING.N && cost.r === SCRYPT_COST.r && cost.p === SCRYPT_COST.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const actual = await scrypt(password, parsed.salt, parsed.hash.length, parsed.cost);
  return timingSafeEqual(actual, parsed.hash);
}

/** Verifies against a throwaway hash so unknown emails take as long as known ones. */
let decoyHash: Promise<string> | undefined;
export async function spendPasswordCheckTime(password: string): Promise<void> {
  decoyHash ??= hashPassword("decoy-password-for-timing");
  await verifyPassword(password, await decoyHash);
}

const COMMON_PASSWORDS = new Set([
  "password", "password1", "password123", "passw0rd", "1234567890", "12345678910", "qwertyuiop",
  "123456789a", "iloveyou12", "letmein123", "welcome123", "admin12345", "devpulse123", "changeme123",
]);

export const ZPassword = ZText
  .min(10, "Use at least 10 characters")
  .max(128, "Use at most 128 characters")
  .refine((value) => !COMMON_PASSWORDS.has(value.toLowerCase()), "This password is too common; choose another")
  .refine((value) => new Set(value).size >= 5, "Use a less repetitive password");
