// Quoting text that comes from outside (config values, relation data, Connect's answers) in
// messages: shortened, so a huge value can never make a status line or log line huge. Pure.

/** At most `max` characters: the head and the tail of a longer text around an elision mark. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `…(${text.length} chars)…`;
  const keep = Math.max(0, max - marker.length);
  const head = Math.ceil(keep * 0.75);
  return `${text.slice(0, head)}${marker}${text.slice(text.length - (keep - head))}`;
}

/** Longest quoted value in a message. */
export const MAX_QUOTED_VALUE = 120;

/** `'value'`, shortened to MAX_QUOTED_VALUE characters. */
export function quoted(value: string, max = MAX_QUOTED_VALUE): string {
  return `'${shorten(value, max)}'`;
}
