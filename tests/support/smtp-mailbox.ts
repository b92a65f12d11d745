import { afterAll, beforeAll } from "vitest";
import { startSmtpDouble } from "../doubles/smtp/server";
import { useEnv } from "./env";

/**
 * The SMTP double as the app's one email provider for a test file: started before its tests,
 * closed after; `mailsTo` is what it accepted for an address, oldest first.
 */
export function useSmtpMailbox() {
  const holder: { double?: Awaited<ReturnType<typeof startSmtpDouble>> } = {};
  beforeAll(async () => {
    holder.double = await startSmtpDouble({ user: "devpulse", pass: "relay password" });
  });
  afterAll(() => holder.double?.close());
  useEnv(() => ({ EMAIL_PROVIDERS: "smtp", SMTP_URL: holder.double!.url, MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>" }));
  return {
    /** The double itself: what it received, and its faults (rejectNext…). */
    get double() {
      return holder.double!;
    },
    mailsTo: (address: string) => holder.double!.received.filter((mail) => mail.to.includes(address)),
  };
}
