import type { IncomingMessage, ServerResponse } from "node:http";

/** A refusal of the request itself (bad path, parameter or body), with the status to answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Amounts are bigint inside and decimal strings of units in JSON (SPEC §2). */
export const toJson = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

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

/** Reads a request body, refusing (413) as soon as it passes `limit` bytes so a huge upload costs nothing. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, `the body of ${declared} bytes is over the ${limit}-byte limit`, { connection: "close" });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, `the body is over the ${limit}-byte limit`, { connection: "close" });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
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
