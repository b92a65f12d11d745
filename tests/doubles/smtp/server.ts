import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export type ReceivedMail = { from: string; to: string[]; raw: string; subject: string; text: string; html: string | null; headers: Record<string, string>; user: string | null };

/** Quoted-printable body (RFC 2045 §6.7), as nodemailer writes long or non-ASCII lines. */
function decodeQuotedPrintable(body: string): string {
  const bytes = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
  return bytes.toString("utf8");
}

type Part = { headers: Record<string, string>; body: string };

/** Splits a message or MIME part into its (unfolded, lower-cased) headers and its decoded body. */
function parsePart(raw: string): Part {
  const split = raw.search(/\r?\n\r?\n/);
  const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r?\n[ \t]+/g, " ");
  const body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  const decoded = encoding === "quoted-printable" ? decodeQuotedPrintable(body) : encoding === "base64" ? Buffer.from(body, "base64").toString("utf8") : body;
  return { headers, body: decoded.replace(/\r\n/g, "\n").trimEnd() };
}

/** The text and HTML parts of a single-part or multipart/alternative message (as nodemailer writes them). */
function parseMessage(raw: string): { subject: string; text: string; html: string | null; headers: Record<string, string> } {
  const message = parsePart(raw);
  const type = message.headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith("multipart/") || !boundary) return { subject: message.headers.subject ?? "", text: message.body, html: null, headers: message.headers };
  const rawBody = raw.slice(raw.search(/\r?\n\r?\n/));
  const parts = rawBody.split(`--${boundary}`).slice(1, -1).map((part) => parsePart(part.replace(/^\r?\n/, "")));
  const of = (mime: string) => parts.find((part) => (part.headers["content-type"] ?? "").toLowerCase().startsWith(mime))?.body ?? null;
  return { subject: message.headers.subject ?? "", text: of("text/plain") ?? "", html: of("text/html"), headers: message.headers };
}

/**
 * A real SMTP server on loopback (the nodemailer project's smtp-server): speaks
 * EHLO, AUTH PLAIN/LOGIN, MAIL/RCPT/DATA as any relay would. Mail is kept in
 * memory for assertions; `rejectNext` answers the next DATA with a given SMTP
 * error, as a relay does when it is overloaded (4xx) or refuses (5xx).
 */
export async function startSmtpDouble(options: { user: string; pass: string; /** Called for each accepted message (the sandbox prints them). */ onMail?: (mail: ReceivedMail) => void }) {
  const received: ReceivedMail[] = [];
  const rejections: Array<{ code: number; message: string }> = [];
  const server = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.pass) return callback(null, { user: auth.username });
      const refused = Object.assign(new Error("Invalid username or password"), { responseCode: 535 });
      return callback(refused);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const rejection = rejections.shift();
        if (rejection) return callback(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
        const raw = Buffer.concat(chunks).toString("utf8");
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          user: typeof session.user === "string" ? session.user : null,
          ...parseMessage(raw),
        };
        received.push(mail);
        options.onMail?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${encodeURIComponent(options.user)}:${encodeURIComponent(options.pass)}@127.0.0.1:${port}`,
    port,
    received,
    rejectNext(code: number, message: string) {
      rejections.push({ code, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
