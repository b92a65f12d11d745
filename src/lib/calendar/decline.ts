/**
 * The side of a conflict that "Decline" declines: the earlier meeting of a double booking, the one
 * with the lower id when both start together; never focus time. The server declines it
 * (calendar/conflicts.ts) and the page names it on the button (components/calendar), from this
 * one rule, so the button never names a meeting the server would not decline.
 */
export function meetingToDecline<S extends { id: string }>(sides: readonly S[], startOf: (side: S) => number, isFocus: (side: S) => boolean): S | undefined {
  return [...sides].sort((a, b) => startOf(a) - startOf(b) || (a.id < b.id ? -1 : 1)).find((side) => !isFocus(side));
}
