import { redirect } from "next/navigation";
import { Alert } from "~/components/ui/alert";
import { ButtonLink } from "~/components/ui/button";
import { LockIcon, PlugIcon, ShieldIcon } from "~/components/icons";
import { Logo } from "~/components/logo";
import { getCurrentUser } from "~/server/auth/session";

export const dynamic = "force-dynamic";

const features = [
  { icon: LockIcon, title: "End-to-end encrypted sync", text: "Projects, activity and focus sessions sync across your machines. Keys come from your passphrase; the server only ever stores ciphertext." },
  { icon: PlugIcon, title: "Integrations that respect you", text: "Correlate commits with coding time, share focus status in chat, and block focus time on your calendar." },
  { icon: ShieldIcon, title: "Privacy by default", text: "Granular controls enforced on the server, a full processing log, export and deletion whenever you want." },
];

/** What the privacy page's goodbye hands over in `?farewell=` (only these: the page never shows text from the URL). */
const farewells = {
  deleted: { title: "Your account is deleted", text: "Everything DevPulse Cloud held about you is gone, and you are signed out." },
  anonymized: { title: "Your account is anonymized", text: "Only anonymous totals remain; everything that identified you is gone, and you are signed out." },
} as const;

export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getCurrentUser()) redirect("/dashboard");
  const { farewell: asked } = await searchParams;
  const farewell = asked === "deleted" || asked === "anonymized" ? farewells[asked] : null;
  return (
    <div className="min-h-dvh bg-gradient-to-b from-white to-zinc-100">
      <header className="mx-auto flex max-w-6xl items-center justify-between gap-2 px-4 py-5 sm:px-6">
        <Logo />
        <nav aria-label="Account" className="flex shrink-0 gap-1 sm:gap-2">
          <ButtonLink href="/sign-in" variant="ghost" className="whitespace-nowrap px-3 sm:px-4">
            Sign in
          </ButtonLink>
          <ButtonLink href="/sign-up" className="whitespace-nowrap px-3 sm:px-4">
            Create account
          </ButtonLink>
        </nav>
      </header>
      <main className="mx-auto max-w-6xl px-6 pb-24 pt-16 sm:pt-24">
        {farewell && (
          <div className="mb-10 max-w-2xl">
            <Alert tone="success" title={farewell.title}>
              {farewell.text}
            </Alert>
          </div>
        )}
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-600">For developers who value their data</p>
        <h1 className="mt-3 max-w-3xl text-4xl font-semibold tracking-tight text-zinc-900 sm:text-5xl">
          Your productivity data, on every machine — readable only by you.
        </h1>
        <p className="mt-5 max-w-2xl text-lg text-zinc-600">
          DevPulse Cloud is the optional companion to the DevPulse desktop app: encrypted sync, conflict resolution you control, and integrations with the tools you already use.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <ButtonLink href="/sign-up" size="lg">
            Get started free
          </ButtonLink>
          <ButtonLink href="/sign-in" size="lg" variant="secondary">
            I have an account
          </ButtonLink>
        </div>
        <ul className="mt-20 grid gap-6 sm:grid-cols-3">
          {features.map(({ icon: Icon, title, text }) => (
            <li key={title} className="rounded-xl border border-zinc-200 bg-white p-6 shadow-sm">
              <span className="flex size-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                <Icon />
              </span>
              <h2 className="mt-4 font-semibold text-zinc-900">{title}</h2>
              <p className="mt-2 text-sm text-zinc-600">{text}</p>
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}
