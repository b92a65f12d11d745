import type { Metadata } from "next";
import { CalendarPage } from "~/components/calendar/calendar-page";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Calendar" };

export default function Calendar() {
  return (
    <>
      <PageHeader title="Calendar" description="Your week across Google Calendar and Outlook, with the focus time DevPulse books for you. Only what you allow below is kept." />
      <CalendarPage />
    </>
  );
}
