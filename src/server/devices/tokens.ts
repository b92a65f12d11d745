import { randomBytes, randomInt } from "node:crypto";


/** Device API tokens: `dp_` + 256 random bits. Only the SHA-256 is ever stored. */
export const DEVICE_TOKEN_PREFIX = "dp_";
const DEVICE_TOKEN_PATTERN = /^dp_[A-Za-z0-9_-]{43}$/;

export function generateDeviceToken(): string {
  return DEVICE_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function isWellFormedDeviceToken(token: string): boolean {
  return DEVICE_TOKEN_PATTERN.test(token);
}

/** RFC 8628 §6.1: a short code people can type; consonants only (no vowels, so no words), no look-alikes. */
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_LENGTH = 8;

export function generateUserCode(): string {
  let code = "";
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** Accepts what people type: lower case, spaces or dashes. */
export function normalizeUserCode(input: string): string {
  return input.toUpperCase().replace(/[^A-Z]/g, "");
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function generateDeviceCode(): string {
  return randomBytes(32).toString("base64url");
}
