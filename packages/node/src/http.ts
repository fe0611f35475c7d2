import type { IncomingMessage } from "node:http";

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

/** How much of an oversized body is still read (and thrown away) so the client can read its 413. */
const DISCARD_LIMIT = 16 * 1024 * 1024;
const DISCARD_MS = 5_000;

/**
 * After a 413: let the client finish sending, so it reads the answer instead of a reset
 * connection, but throw the bytes away, and drop the connection once more than
 * DISCARD_LIMIT bytes or DISCARD_MS have passed: a huge upload still costs next to nothing.
 */
export function discardRestOfBody(req: IncomingMessage): void {
  let seen = 0;
  const timer = setTimeout(() => req.destroy(), DISCARD_MS);
  timer.unref();
  req.on("data", (c: Buffer) => {
    seen += c.length;
    if (seen > DISCARD_LIMIT) req.destroy();
  });
  req.on("close", () => clearTimeout(timer));
  req.resume();
}
