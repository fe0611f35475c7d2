import type { ServerResponse } from "node:http";
import { HttpError, toJson } from "../http.js";

export { discardRestOfBody, HttpError, readBody, toJson } from "../http.js";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = toJson(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

/** An optional whole-number query parameter within [min, max]. */
export function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^[0-9]{1,10}$/.test(raw))
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  const v = Number(raw);
  if (v < min || v > max) throw new HttpError(400, `${name} ${v} is out of range: give ${min} to ${max}`);
  return v;
}
