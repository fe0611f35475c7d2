/**
 * Freezes an object and every object and array it holds, so a shared constant cannot be
 * changed by one caller under the others. Typed arrays are left as they are: JavaScript
 * cannot freeze them, so constants that hold bytes hand out copies instead.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
