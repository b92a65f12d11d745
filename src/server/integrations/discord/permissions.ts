import { DISCORD_CHANNEL_TYPES, DISCORD_OVERWRITE_TYPES, DISCORD_PERMISSIONS } from "./facts";

/**
 * What a member may do in a channel, computed the way Discord documents it
 * (https://discord.com/developers/docs/topics/permissions#permission-overwrites): the server
 * owner and administrators may do everything; otherwise @everyone's permissions and the
 * member's roles, then the channel's overwrites for @everyone, for the member's roles, and
 * for the member, each denying before allowing.
 */

export type GuildFacts = { id: string; owner_id: string; roles: readonly { id: string; permissions: string }[] };
export type MemberFacts = { userId: string; roles: readonly string[] };
export type ChannelFacts = { id: string; name?: string | null; type: number; position?: number; permission_overwrites?: readonly { id: string; type: number; allow: string; deny: string }[] };

const ALL = ~0n;

export function basePermissions(guild: GuildFacts, member: MemberFacts): bigint {
  if (guild.owner_id === member.userId) return ALL;
  const byId = new Map(guild.roles.map((role) => [role.id, BigInt(role.permissions)]));
  let permissions = byId.get(guild.id) ?? 0n; // @everyone's role id is the server's id
  for (const role of member.roles) permissions |= byId.get(role) ?? 0n;
  return permissions & DISCORD_PERMISSIONS.administrator ? ALL : permissions;
}

export function channelPermissions(guild: GuildFacts, member: MemberFacts, channel: ChannelFacts): bigint {
  const base = basePermissions(guild, member);
  if (base === ALL) return ALL;
  const overwrites = channel.permission_overwrites ?? [];
  let permissions = base;
  const everyone = overwrites.find((overwrite) => overwrite.id === guild.id && overwrite.type === DISCORD_OVERWRITE_TYPES.role);
  if (everyone) permissions = (permissions & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type !== DISCORD_OVERWRITE_TYPES.role || overwrite.id === guild.id || !member.roles.includes(overwrite.id)) continue;
    allow |= BigInt(overwrite.allow);
    deny |= BigInt(overwrite.deny);
  }
  permissions = (permissions & ~deny) | allow;
  const own = overwrites.find((overwrite) => overwrite.id === member.userId && overwrite.type === DISCORD_OVERWRITE_TYPES.member);
  if (own) permissions = (permissions & ~BigInt(own.deny)) | BigInt(own.allow);
  return permissions;
}

/** The text channels where the member may both see the channel and send messages, in the server's order. */
export function postableTextChannels(guild: GuildFacts, member: MemberFacts, channels: readonly ChannelFacts[]): { id: string; name: string }[] {
  const needed = DISCORD_PERMISSIONS.viewChannel | DISCORD_PERMISSIONS.sendMessages;
  return channels
    .filter((channel) => channel.type === DISCORD_CHANNEL_TYPES.guildText)
    .filter((channel) => (channelPermissions(guild, member, channel) & needed) === needed)
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
    .map((channel) => ({ id: channel.id, name: channel.name ?? channel.id }));
}
