/**
 * Guards for JSON from RPC clients, applied before JSON.parse so a hostile body costs one
 * linear scan: nesting deeper than MAX_JSON_DEPTH is refused (a 10,000-deep array parses,
 * but every recursive walk after it, down to the reply's own JSON.stringify of the id,
 * would overflow the stack).
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in `text`, stopping as soon as it passes `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON-RPC ids are strings, numbers or null (JSON-RPC 2.0 §4); anything else is not echoed back. */
export const isValidId = (id: unknown): id is string | number | null =>
  id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
