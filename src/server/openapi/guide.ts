import { KDF_ALGORITHM, KDF_MAX_ITERATIONS, KDF_MIN_ITERATIONS, KDF_SALT_BYTES } from "~/lib/crypto/keys";
import { RECORD_ALGORITHM, RECORD_ENVELOPE_VERSION } from "~/lib/crypto/records";
import { SYNC_COLLECTIONS } from "~/lib/schemas/collections";
import { DEFAULT_POLL_INTERVAL_SECONDS, DEVICE_CODE_TTL_SECONDS } from "../devices/authorization";
import { SYNC_LIMITS } from "../sync/schemas";

/**
 * A record encrypted by the rules below, from fixed inputs, so a client written in another
 * language can check itself against it. tests/unit/openapi-guide.test.ts decrypts it with
 * the SDK and re-encrypts it with node:crypto following only this text.
 */
export const ENVELOPE_TEST_VECTOR = {
  dataKeyHex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  ivHex: "a0a1a2a3a4a5a6a7a8a9aaab",
  userId: "7f9c2ba4-e88f-4a4b-9c1d-3f6e2d8b1a00",
  collection: "projects",
  recordId: "p-1",
  schemaVersion: 1,
  keyId: 1,
  plaintext: '{"name":"DevPulse","color":"#3070ec"}',
  aad: '["devpulse-record-v2","7f9c2ba4-e88f-4a4b-9c1d-3f6e2d8b1a00","projects","p-1",1,1]',
  envelope: "dp2.A256GCM.1.oKGio6Slpqeoqaqr.nToSTCiuIIVAIeKlVw-srRWOdTLx2C4D7iwcpFyYRTbiEyTd0iOXV40XWz_vGICDK49-vU0",
  checksum: "9f58fdb129b8c3d4551dfef24dfe46a1725daa1a36ac07bd2ef9ea8845c72b62",
} as const;

const v = ENVELOPE_TEST_VECTOR;

/**
 * The document's description (markdown, shown at the top of /docs): how to sign a device
 * in, the error shape, versioning, and the encryption format exactly, so that a client in
 * any language can be written from the docs alone. Numbers come from the code that
 * enforces them.
 */
export function apiGuide(appUrl: string): string {
  const api = `${appUrl}/api/v1`;
  return `
[← Back to DevPulse Cloud](${appUrl}/dashboard)

The HTTP API of DevPulse Cloud: end-to-end encrypted sync for the DevPulse desktop app, and
its integrations. It is the same API the TypeScript SDK uses over tRPC (\`/api/trpc\`), served
as plain JSON under \`${api}\`. The server only ever stores ciphertext: records are encrypted
on your device, with a key derived from the user's sync passphrase, as described below.

**Conventions.** \`POST\` bodies are JSON with \`Content-Type: application/json\` (send \`{}\`
when an operation takes nothing but path parameters). \`GET\` and \`DELETE\` take query
parameters; a list repeats its parameter (\`collections=projects&collections=settings\`).
Times are ISO 8601 strings in UTC (\`2026-03-01T10:15:00.000Z\`).

## Authentication

Send a device token on every call: \`Authorization: Bearer dp_…\`. A device gets its token
through the device grant below; the user can revoke it at any time on
[/settings/devices](${appUrl}/settings/devices). (A signed-in browser's session cookie works too,
so "Test Request" on this page works while you are signed in.)

## Signing a device in (device grant, RFC 8628)

1. **Start**: \`POST /auth/device\` with \`{ "deviceName": "Work laptop" }\`. The answer has a
   \`deviceCode\` (keep it secret), a \`userCode\` such as \`BCDF-GHJK\`, the \`verificationUri\`
   (${appUrl}/device), \`verificationUriComplete\` (the same page with the code filled in),
   \`interval\` (${DEFAULT_POLL_INTERVAL_SECONDS} s) and \`expiresIn\` (${DEVICE_CODE_TTL_SECONDS} s).
2. **The person approves**: show them the user code and the address. They sign in to DevPulse
   in a browser, open \`/device\`, enter the code, check the device name and approve (or deny).
3. **Poll**: \`POST /auth/device/token\` with \`{ "deviceCode": "…" }\`, waiting \`interval\`
   seconds between calls. Until the person decides, the answer is an error whose
   \`data.details.oauthError\` says what to do:

   | status | \`oauthError\` | meaning |
   |---|---|---|
   | 400 | \`authorization_pending\` | not decided yet: poll again after \`interval\` seconds |
   | 429 | \`slow_down\` | you polled too fast: the interval grew by 5 s (\`data.details.interval\`) |
   | 400 | \`access_denied\` | the person denied it: stop |
   | 400 | \`expired_token\` | nobody approved within ${DEVICE_CODE_TTL_SECONDS / 60} minutes: start again |
   | 400 | \`invalid_grant\` | unknown device code, or its token was already issued: start again |

   Once approved, the answer is \`200 { "token": "dp_…", "deviceId": "…" }\`. The token is
   shown this once and stored on the server only as a hash: keep it in the OS keychain.
4. **Use it**: \`GET /auth/me\` answers the user (its \`id\` is needed for encryption) and the
   device (\`device.id\` is the \`deviceId\` uploads are made for).

\`\`\`sh
curl -s -X POST ${api}/auth/device -H 'content-type: application/json' -d '{"deviceName":"My script"}'
curl -s -X POST ${api}/auth/device/token -H 'content-type: application/json' -d '{"deviceCode":"<deviceCode>"}'
curl -s ${api}/auth/me -H 'authorization: Bearer <token>'
\`\`\`

## Client versions

Send \`X-DevPulse-Client: <name>/<version>\` (e.g. \`my-sync-script/1.0.0\`; the SDK and CLI send
\`devpulse-sdk/…\` and \`devpulse-cli/…\`). A server can require a minimum version per client
name; an older client gets **426 Upgrade Required** on every call, with
\`data.details.reason = "client_outdated"\` and \`data.details.minimumVersion\`, and a message
that tells the person to update DevPulse. A malformed header is a 400.

## Errors

Every error has the same JSON shape (the \`Error\` schema): a human-readable \`message\` (show it
to the person), a machine-readable \`code\`, and \`data\` with the HTTP status, field messages
for forms (\`zodError\`) and machine-readable \`details\` (e.g. \`reason\`, \`oauthError\`,
\`retryAfterSeconds\`). Input validation errors also list zod's \`issues\`.

\`\`\`json
{
  "message": "Sign in to continue.",
  "code": "UNAUTHORIZED",
  "data": { "code": "UNAUTHORIZED", "httpStatus": 401, "path": "auth.me", "zodError": null, "details": null }
}
\`\`\`

\`\`\`json
{
  "message": "Input validation failed",
  "code": "BAD_REQUEST",
  "data": {
    "code": "BAD_REQUEST", "httpStatus": 400, "path": "sync.push", "details": null,
    "zodError": { "formErrors": [], "fieldErrors": { "idempotencyKey": ["Idempotency key is too short"] } }
  },
  "issues": [{ "code": "too_small", "minimum": 8, "origin": "string", "inclusive": true, "path": ["idempotencyKey"], "message": "Idempotency key is too short" }]
}
\`\`\`

\`\`\`json
{
  "message": "Please update DevPulse: devpulse-cli 1.0.0 is too old for this server, which needs 1.2.0 or later.",
  "code": "PRECONDITION_FAILED",
  "data": {
    "code": "PRECONDITION_FAILED", "httpStatus": 426, "path": "auth.me", "zodError": null,
    "details": { "reason": "client_outdated", "client": "devpulse-cli", "version": "1.0.0", "minimumVersion": "1.2.0" }
  }
}
\`\`\`

Statuses: 400 bad input; 401 no, malformed or revoked token (sign the device in again);
403 not allowed (e.g. \`details.reason = "cloud_sync_off"\`: the user has not agreed to cloud
sync, or switched a collection off); 404 not found (someone else's data does not exist for you);
405 a method the path does not take (\`Allow\` names those it does);
409 conflict (e.g. keys already set up, a conflict already resolved); 410 \`RESYNC_REQUIRED\` from
\`/sync/download\` (your cursor is older than the retention horizon, \`details.horizon\`, or past
the server's latest change, \`details.latestSeq\`, as after a restore from a backup: compare your
records with \`GET /sync/listing\`, then download from \`details.horizon\`);
422 an idempotency key reused for a different batch; 412 a precondition failed (e.g. \`details.reason = "KEY_ROTATED"\`: unlock again to fetch the new
key; a record that moved on since you looked); 413 too large; 426 update DevPulse; 429 too many
requests (wait \`Retry-After\` seconds); 5xx our side or a provider's.

## Encrypting records on your device

The server stores each record as an opaque string (the *envelope*) and never sees a key.
All AES is AES-256-GCM with a 12-byte random IV, fresh for every encryption, and the 16-byte
tag appended to the ciphertext. **base64url** below is RFC 4648 §5 *without* padding;
**base64** is standard, padded base64. "JSON" of an array means the compact
\`JSON.stringify\` form: no spaces, strings with JSON escapes, integers in decimal. Decoders
must be strict (refuse non-canonical encodings).

### The key bundle

The user's records are encrypted under one random 256-bit **data key**. The server keeps it
only wrapped under a key derived from the sync passphrase, in the **key bundle**
(\`GET /sync/keys\`; \`null\` before any device set a passphrase):

\`\`\`json
{
  "params": { "kdf": "${KDF_ALGORITHM}", "iterations": ${KDF_MIN_ITERATIONS}, "salt": "<base64 of ${KDF_SALT_BYTES} random bytes>", "version": 1 },
  "wrappedKey": "v1.<base64url iv>.<base64url ciphertext+tag>",
  "keyCheck": "v1.<base64url iv>.<base64url ciphertext+tag>",
  "keyId": 1,
  "previousKeys": [],
  "version": 1
}
\`\`\`

- **Key-encryption key (KEK)** = PBKDF2-HMAC-SHA256(password = UTF-8 of the passphrase in
  Unicode NFC, salt = base64-decoded \`params.salt\`, iterations = \`params.iterations\`,
  length = 32 bytes). Before deriving, **refuse** a bundle whose \`kdf\` is not
  \`${KDF_ALGORITHM}\`, whose \`version\` is not 1, whose iterations are below ${KDF_MIN_ITERATIONS.toLocaleString("en")}
  or above ${KDF_MAX_ITERATIONS.toLocaleString("en")}, or whose salt is shorter than ${KDF_SALT_BYTES} bytes: the server is not trusted.
- **wrappedKey** = \`v1.\` + base64url(IV) + \`.\` + base64url(AES-GCM(KEK, IV, the 32 raw bytes of
  the data key, AAD)), i.e. 48 bytes of ciphertext and tag. The AAD is the UTF-8 of the JSON
  array \`["devpulse-wrap-v1",<userId>,"${KDF_ALGORITHM}",<iterations>,<salt>]\` for key 1, and
  \`["devpulse-wrap-v2",<userId>,<keyId>,"${KDF_ALGORITHM}",<iterations>,<salt>]\` for a later key
  (salt as the base64 string; userId is \`GET /auth/me\`'s \`id\`).
- **keyCheck** = the same form, the 21 bytes \`devpulse-key-check-v1\` (UTF-8) encrypted under the
  data key with AAD \`["devpulse-keycheck-v1",<userId>]\` (key 1) or
  \`["devpulse-keycheck-v2",<userId>,<keyId>]\`. After unwrapping, decrypt it and compare: a
  wrong passphrase fails here (or already at the unwrap's tag check).
- **previousKeys** (after a key rotation): each earlier data key's 32 raw bytes, encrypted in the
  same \`v1.\` form under the *current* data key, with AAD
  \`["devpulse-previous-key-v1",<userId>,<current keyId>,<that keyId>]\`.

**First device:** generate the data key, a salt and the two IVs, build the bundle with
\`keyId: 1\` and \`previousKeys: []\`, and \`POST /sync/keys\` it (that also records the user's
consent to cloud sync, which uploads need). A 409 means another device was first: fetch its
bundle and unlock that instead.

### Record envelopes

A record is a JSON value (an object for \`${SYNC_COLLECTIONS.join("`, `")}\`), identified by its
collection, its id (1–128 of \`A-Z a-z 0-9 . _ : @ -\`) and the schema version of its value.

- **plaintext** = UTF-8 of the JSON value;
- **AAD** = UTF-8 of the JSON array \`["devpulse-record-v2",<userId>,<collection>,<recordId>,<schemaVersion>,<keyId>]\`;
- **envelope** = \`${RECORD_ENVELOPE_VERSION}.${RECORD_ALGORITHM}.<keyId>.\` + base64url(IV) + \`.\` + base64url(ciphertext+tag),
  with keyId in canonical decimal (\`1\`, never \`01\`);
- **checksum** = lowercase hex SHA-256 of the envelope's UTF-8 bytes (the server recomputes it
  and refuses a mismatch; verify it on download too).

The AAD binds a ciphertext to its owner, place, schema version and key: the server cannot move
it to another record or relabel it without decryption failing. To decrypt, take the key id from
the envelope, the other AAD fields from the record's metadata. Envelopes written before key
rotation existed, \`dp1.${RECORD_ALGORITHM}.<iv>.<ciphertext+tag>\`, are read (never written) as key 1
with the AAD \`["devpulse-record-v1",<userId>,<collection>,<recordId>,<schemaVersion>]\`.

**Test vector.** Data key (hex) \`${v.dataKeyHex}\`, IV (hex) \`${v.ivHex}\`,
userId \`${v.userId}\`, collection \`${v.collection}\`, record \`${v.recordId}\`, schema version ${v.schemaVersion}, key ${v.keyId},
plaintext \`${v.plaintext}\`:

- AAD: \`${v.aad}\`
- envelope: \`${v.envelope}\`
- checksum: \`${v.checksum}\`

### Uploading and downloading

- \`POST /sync/upload\` with \`{ "idempotencyKey": "<8–128 characters, new per batch>", "deviceId":
  "<your device id>", "changes": [{ "collection": "projects", "id": "p-1", "baseRevision": null,
  "ciphertext": "<envelope>", "checksum": "<hex>", "schemaVersion": 1, "deleted": false, "keyId": 1 }] }\`.
  \`baseRevision\` is the server revision your edit was made on (\`null\` for a new record); a
  deletion sends \`deleted: true\` with \`ciphertext\` and \`checksum\` null. \`keyId\` may be left out; when
  sent, it must be the key id the envelope names (400 otherwise). The batch applies
  atomically; each change is \`applied\`, \`unchanged\` or a \`conflict\` (with the server's version,
  never overwritten: resolve it with \`POST /sync/resolve\`). A retry of the same batch with the same idempotency key
  answers the first result; a key already used for a different batch (or by another device) is
  refused with 422 and applies nothing. Keys are kept for 24 hours. At most ${SYNC_LIMITS.maxChangesPerPush} changes, ${SYNC_LIMITS.maxCiphertextBytes / 1024} KiB per ciphertext and
  ${SYNC_LIMITS.maxBatchCiphertextBytes / 1024 / 1024} MiB per batch.
- \`GET /sync/download?cursor=0\` pages through changes in order (tombstones included); call again
  with the answer's \`cursor\` while \`hasMore\` is true, and keep the last cursor for next time.
  A change whose envelope does not open on your device (another client wrote it wrongly, or it was
  altered) should be skipped and reported, not stop the download: a later revision may open.

### Resolving conflicts

- A change whose \`baseRevision\` is not the server's current revision (or \`null\` for a record that exists) is not applied: the server keeps its own
  version, records yours as a conflict (\`update_conflict\`, \`delete_conflict\` when one side is a
  deletion, \`schema_conflict\` when the schema versions differ) and answers it with the server's
  version. The record stays at the server's version until the conflict is resolved.
- \`GET /sync/conflicts?status=open\` lists them; \`GET /sync/conflicts/{id}\` gives one with its three
  versions as envelopes: \`base\` (the revision your edit was made on, if still kept), \`local\` (your
  refused version) and \`remote\` (the server's version now, \`null\` if the record is gone).
- \`POST /sync/resolve\` with \`{ "id", "strategy" }\`: \`local_wins\` writes your refused version as a new
  revision, \`remote_wins\` keeps the server's (nothing is written), \`merge\` and \`manual\` write the
  value you send as \`resolved\` (\`{ ciphertext, checksum, schemaVersion, deleted, keyId }\`, encrypted
  on your device for the same record). Pass \`expectedRevision\`: the \`remote.revision\` you decided
  against (\`null\` if there was none); it defaults to the server's revision when the conflict arose.
  If the record moved on since, nothing is written and the answer is 412: read the conflict again.
  A conflict already resolved answers 409. The answer's \`revision\` is the record's revision after it.
`.trim();
}
