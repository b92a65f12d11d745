/** Each user's events travel on one private channel; only that user is authorised to join it. */
export function userChannel(userId: string): string {
  return `private-user-${userId}`;
}
