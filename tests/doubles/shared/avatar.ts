import { seedFrom } from "./demo-history";

/** An identicon-like SVG, so avatar_url links render offline in a sandbox UI. */
export function avatarSvg(key: string): string {
  const hue = seedFrom(key) % 360;
  const bits = seedFrom(`${key}:bits`);
  const cells: string[] = [];
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 3; x++) {
      if (!((bits >> (y * 3 + x)) & 1)) continue;
      for (const column of new Set([x, 4 - x])) cells.push(`<rect x="${10 + column * 16}" y="${10 + y * 16}" width="16" height="16"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100" role="img" aria-label="avatar"><rect width="100" height="100" fill="#f0f0f0"/><g fill="hsl(${hue} 55% 50%)">${cells.join("")}</g></svg>`;
}
