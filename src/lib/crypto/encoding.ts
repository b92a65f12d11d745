// Byte <-> text encodings for the E2EE module.
//
// This file must run unchanged in Node 20+, browsers and Electron, so it uses only
// btoa/atob and TextEncoder/TextDecoder (never Buffer). Decoders are strict on purpose:
// every string we decode comes from the server, which the E2EE design treats as
// untrusted, so a value that is not the canonical encoding of some bytes is rejected
// instead of being "repaired" (atob silently ignores whitespace, missing padding and
// non-zero trailing bits, which would let two different strings mean the same bytes).

const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 must be an error, not U+FFFD, or corrupted plaintext could parse.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a string as UTF-8 bytes. */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8 bytes; throws a TypeError on invalid UTF-8 rather than substituting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

// btoa takes a "binary string" (one char per byte). Build it in chunks: spreading a large
// array into String.fromCharCode would overflow the argument limit of some engines.
const CHUNK = 0x8000;

/** Standard base64 (RFC 4648 §4) with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes canonical, padded standard base64; throws on anything else. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string") throw new TypeError("base64 input must be a string");
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError("Invalid base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Round-trip check = canonical form only (see the note at the top of this file).
  if (encodeBase64(bytes) !== text) throw new TypeError("Invalid base64 (not canonical)");
  return bytes;
}

/** base64url (RFC 4648 §5) without padding: safe inside our dot-separated envelopes. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes canonical, unpadded base64url; throws on anything else (including "+", "/", "="). */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string") throw new TypeError("base64url input must be a string");
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = standard + "=".repeat((4 - (standard.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(padded);
  } catch {
    throw new TypeError("Invalid base64url");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (encodeBase64Url(bytes) !== text) throw new TypeError("Invalid base64url (not canonical)");
  return bytes;
}

/** Lowercase hex. */
export function encodeHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Decodes hex (either case); throws on odd length or non-hex characters. */
export function decodeHex(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new TypeError("Invalid hex");
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
