/**
 * `0.3 s`, `40 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`: short enough for a table cell or one terminal line.
 * The page's script imports the built copy of this module (`/assets/duration.js`) and the terminal status line
 * imports it from the package, so both say a lag or an ETA the same way. It imports nothing, so that its built
 * file runs in a browser as it is.
 */
export function formatShortDuration(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
