import { createCipheriv, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptRecord, openRecord, recordAad } from "~/lib/crypto";
import { apiGuide, ENVELOPE_TEST_VECTOR as vector } from "~/server/openapi/guide";

/**
 * The guide's promise is that a client in another language can be written from it alone.
 * Its test vector is checked both ways: the SDK opens it, and node:crypto, following only
 * the guide's rules (not the SDK), produces it byte for byte.
 */
describe("the API guide's encryption format", () => {
  const identity = { userId: vector.userId, collection: vector.collection, recordId: vector.recordId, schemaVersion: vector.schemaVersion };

  it("its test vector opens with the SDK, AAD and checksum as stated", async () => {
    const key = await crypto.subtle.importKey("raw", Buffer.from(vector.dataKeyHex, "hex"), "AES-GCM", false, ["encrypt", "decrypt"]);
    expect(new TextDecoder().decode(recordAad(identity, vector.keyId))).toBe(vector.aad);
    expect(await decryptRecord(key, identity, vector.envelope)).toEqual(JSON.parse(vector.plaintext));
    expect(await openRecord(key, identity, { ciphertext: vector.envelope, checksum: vector.checksum, deleted: false })).toEqual(JSON.parse(vector.plaintext));
  });

  it("is reproduced from the guide's rules with another implementation", () => {
    const aad = JSON.stringify(["devpulse-record-v2", vector.userId, vector.collection, vector.recordId, vector.schemaVersion, vector.keyId]);
    const cipher = createCipheriv("aes-256-gcm", Buffer.from(vector.dataKeyHex, "hex"), Buffer.from(vector.ivHex, "hex"));
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const sealed = Buffer.concat([cipher.update(Buffer.from(vector.plaintext, "utf8")), cipher.final(), cipher.getAuthTag()]);
    const envelope = `dp2.A256GCM.${vector.keyId}.${Buffer.from(vector.ivHex, "hex").toString("base64url")}.${sealed.toString("base64url")}`;
    expect(aad).toBe(vector.aad);
    expect(envelope).toBe(vector.envelope);
    expect(createHash("sha256").update(envelope, "utf8").digest("hex")).toBe(vector.checksum);
  });

  it("states the vector and the rules in the document's text", () => {
    const guide = apiGuide("https://cloud.example.com");
    for (const value of [vector.envelope, vector.checksum, vector.aad, vector.dataKeyHex, vector.ivHex]) expect(guide).toContain(value);
    expect(guide).toContain('["devpulse-wrap-v1",<userId>,"PBKDF2-HMAC-SHA256",<iterations>,<salt>]');
    expect(guide).toContain('["devpulse-keycheck-v1",<userId>]');
    expect(guide).toContain("600,000");
    expect(guide).toContain("https://cloud.example.com/device");
  });
});
