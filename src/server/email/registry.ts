import type { EmailProviderId, Env } from "../env";
import { postmarkProvider } from "./postmark/provider";
import type { EmailProvider } from "./provider";
import { resendProvider } from "./resend/provider";
import { sendgridProvider } from "./sendgrid/provider";
import { smtpProvider } from "./smtp/provider";

/** Every email provider, one line each; a Record over the id union, so none can be half-registered. */
export const emailProviders: Record<EmailProviderId, (env: Env) => EmailProvider> = {
  smtp: smtpProvider,
  resend: resendProvider,
  postmark: postmarkProvider,
  sendgrid: sendgridProvider,
};
