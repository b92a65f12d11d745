"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { BellIcon, CalendarIcon, ClockIcon, CloseIcon, ConflictIcon, DashboardIcon, DevicesIcon, MenuIcon, PlugIcon, ShieldIcon, SignOutIcon, UserIcon, WebhookIcon } from "./icons";
import { Logo } from "./logo";
import { NotificationBell } from "./notifications/notification-bell";
import { NotificationsLive } from "./notifications/use-notifications";
import { RealtimeStatus } from "./realtime/realtime-provider";
import { cn } from "./ui/cn";
import { usePressOutside } from "./ui/use-press-outside";

const navigation = [
  { href: "/dashboard", label: "Dashboard", icon: DashboardIcon },
  { href: "/settings/devices", label: "Devices", icon: DevicesIcon },
  { href: "/conflicts", label: "Conflicts", icon: ConflictIcon },
  { href: "/calendar", label: "Calendar", icon: CalendarIcon },
  { href: "/integrations", label: "Integrations", icon: PlugIcon },
  { href: "/privacy", label: "Privacy", icon: ShieldIcon },
  // Also lit on the full list (/notifications), which the bell opens.
  { href: "/settings/notifications", label: "Notifications", icon: BellIcon, alsoFor: "/notifications" },
  { href: "/settings/webhooks", label: "Webhooks", icon: WebhookIcon },
  { href: "/settings/jobs", label: "Background jobs", icon: ClockIcon },
  { href: "/settings/account", label: "Account", icon: UserIcon },
] as const;

type ShellUser = { email: string; name: string | null };

function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  return (
    <ul className="space-y-1">
      {navigation.map((item) => {
        const { href, label, icon: Icon } = item;
        const within = (path: string) => pathname === path || pathname.startsWith(`${path}/`);
        const active = within(href) || ("alsoFor" in item && within(item.alsoFor));
        return (
          <li key={href}>
            <Link
              href={href}
              onClick={onNavigate}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors",
                active ? "bg-brand-50 text-brand-700" : "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900",
              )}
            >
              <Icon className={cn("size-5", active ? "text-brand-600" : "text-zinc-400")} />
              {label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function UserCard({ user }: { user: ShellUser }) {
  const initial = (user.name ?? user.email).charAt(0).toUpperCase();
  return (
    <div className="flex items-center gap-3 rounded-lg border border-zinc-200 p-2.5">
      <span aria-hidden="true" className="flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-900 text-sm font-semibold text-white">
        {initial}
      </span>
      <div className="min-w-0 flex-1">
        {user.name && <p className="truncate text-sm font-medium text-zinc-900">{user.name}</p>}
        <p className="truncate text-xs text-zinc-500" data-testid="signed-in-email">
          {user.email}
        </p>
      </div>
      <button
        type="button"
        onClick={() => void signOut({ callbackUrl: "/sign-in" })}
        className="rounded-md p-1.5 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900"
        aria-label="Sign out"
        title="Sign out"
      >
        <SignOutIcon />
      </button>
    </div>
  );
}

/**
 * The phone menu closes as the bell's panel does: Escape (focus back on the toggle) or a press
 * anywhere outside the menu and its toggle.
 */
function useDismissableMenu(open: boolean, close: () => void) {
  const menu = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      close();
      toggle.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open, close]);
  usePressOutside(open, [menu, toggle], close);
  return { menu, toggle };
}

export function AppShell({ user, sandbox = false, children }: { user: ShellUser; sandbox?: boolean; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const closeMenu = useCallback(() => setMenuOpen(false), []);
  const { menu, toggle } = useDismissableMenu(menuOpen, closeMenu);
  const mobileNavId = useId();
  return (
    <div className="min-h-dvh lg:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow">
        Skip to content
      </a>
      {/* Desktop sidebar */}
      <aside className="hidden w-64 shrink-0 flex-col border-r border-zinc-200 bg-white lg:flex">
        <div className="flex items-center justify-between gap-2 py-5 pl-5 pr-3">
          <Link href="/dashboard" aria-label="DevPulse Cloud home">
            <Logo />
          </Link>
          <NotificationBell align="left" />
        </div>
        <nav aria-label="Main" className="flex-1 px-3">
          <NavLinks />
        </nav>
        <div className="p-3">
          <UserCard user={user} />
        </div>
      </aside>

      {/* Mobile top bar */}
      <header className="sticky top-0 z-30 flex items-center justify-between border-b border-zinc-200 bg-white/90 px-4 py-3 backdrop-blur lg:hidden">
        <Link href="/dashboard" aria-label="DevPulse Cloud home">
          <Logo />
        </Link>
        <div className="flex items-center gap-1">
          <NotificationBell align="right" />
          <button
            ref={toggle}
            type="button"
            className="rounded-md p-2 text-zinc-600 hover:bg-zinc-100"
            aria-expanded={menuOpen}
            aria-controls={mobileNavId}
            aria-label={menuOpen ? "Close menu" : "Open menu"}
            onClick={() => setMenuOpen((open) => !open)}
          >
            {menuOpen ? <CloseIcon /> : <MenuIcon />}
          </button>
        </div>
      </header>
      {menuOpen && (
        <div ref={menu} id={mobileNavId} className="sticky top-[57px] z-20 space-y-3 border-b border-zinc-200 bg-white p-3 shadow-sm lg:hidden">
          <nav aria-label="Main">
            <NavLinks onNavigate={closeMenu} />
          </nav>
          <UserCard user={user} />
        </div>
      )}

      <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-8 sm:py-10">
        {sandbox && (
          <p role="note" className="mx-auto mb-6 max-w-5xl rounded-lg border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
            <strong>Sandbox.</strong> GitHub, GitLab, Slack, Discord, Google Calendar and Outlook here are local stand-ins with demo data; nothing reaches the real services.
          </p>
        )}
        <div className="mx-auto max-w-5xl">{children}</div>
      </main>
      <NotificationsLive />
      <RealtimeStatus />
    </div>
  );
}
