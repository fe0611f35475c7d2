import { existsSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `vite build packages/node/web` puts the page, seen from src/web or dist/web. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Everything comes from the node itself: no CDN, no other origin, no inline script. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>UTXOLab</title>
<body style="font:20px system-ui;margin:2em"><h1>The workshop page is not built</h1>
<p>This node serves its page from <code>packages/node/web/dist</code>, which does not exist yet.
Run <code>pnpm run build:web</code> (or <code>pnpm install</code>, which builds everything) and reload.</p>
<p>The API under <code>/api/</code> works without it.</p></body>`;

/** Serves the built page; hashed assets are read once, index.html on every load so a rebuild shows at once. */
export class PageFiles {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly dir: string = DEFAULT_PAGE_DIR) {}

  get built(): boolean {
    return existsSync(join(this.dir, "index.html"));
  }

  /** Answers a GET/HEAD of `pathname` if it names a file of the page; false leaves it to other handlers. */
  serve(pathname: string, res: ServerResponse, head: boolean): boolean {
    const rel = pathname === "/" ? "index.html" : decodeSafe(pathname.slice(1));
    if (rel === undefined) return false;
    if (rel === "index.html" && !this.built) {
      send(res, 503, "text/html; charset=utf-8", Buffer.from(NOT_BUILT), head, {
        "cache-control": "no-store",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      });
      return true;
    }
    const file = normalize(join(this.dir, rel));
    // never outside the page's directory, whatever `..` or encoded slashes a request holds
    if (!file.startsWith(this.dir.endsWith(sep) ? this.dir : this.dir + sep)) return false;
    const type = TYPES[extname(file)];
    if (!type) return false;
    let body = this.cache.get(file);
    if (!body) {
      try {
        if (!statSync(file).isFile()) return false;
        body = readFileSync(file);
      } catch {
        return false;
      }
      if (rel !== "index.html") this.cache.set(file, body);
    }
    // hashed asset names change with their content, so they may be kept forever; the page itself may not
    const caching = rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    send(res, 200, type, body, head, {
      "cache-control": caching,
      ...(type.startsWith("text/html") ? { "content-security-policy": CSP } : {}),
    });
    return true;
  }
}

function decodeSafe(p: string): string | undefined {
  try {
    const d = decodeURIComponent(p);
    return d.includes("\0") ? undefined : d;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, head: boolean, headers: Record<string, string>): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": body.length,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    ...headers,
  });
  res.end(head ? undefined : body);
}
