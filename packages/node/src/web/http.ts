import type { IncomingMessage, ServerResponse } from "node:http";
import { discardRestOfBody, HttpError, toJson } from "../http.js";

export { HttpError, readBody, toJson } from "../http.js";

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

/**
 * Answers a refused request with its status and words. For 413 not "connection: close": the
 * server would drop the socket while the client is still sending, and the client would see a
 * reset instead of this answer; the rest of the body is thrown away (bounded) instead.
 */
export function sendHttpError(req: IncomingMessage, res: ServerResponse, e: HttpError): void {
  if (e.status === 413) {
    discardRestOfBody(req);
    sendJson(res, 413, { error: e.message });
  } else sendJson(res, e.status, { error: e.message }, e.headers);
}
