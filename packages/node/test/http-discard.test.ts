import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { discardRestOfBody } from "../src/http.js";

// After a 413 the rest of the body is read and thrown away so the client can read the answer,
// but never more than 16 MB: a huge upload still costs the node next to nothing.
describe("discardRestOfBody", () => {
  it("lets a client that goes on sending read its 413, then cuts an upload past 16 MB", async () => {
    let seen = 0;
    const server = createServer((req, res) => {
      req.on("data", (c: Buffer) => (seen += c.length));
      discardRestOfBody(req);
      res.writeHead(413, { "content-type": "text/plain" });
      res.end("too big");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const chunk = Buffer.alloc(1024 * 1024, 0x78);
      // settles when the request is over: sent whole, or cut by the server
      const outcome = await new Promise<{ status?: number; sent: number }>((resolve) => {
        let sent = 0;
        let status: number | undefined;
        const req = request({ host: "127.0.0.1", port, method: "POST", path: "/" }, (res) => {
          status = res.statusCode;
          res.resume();
        });
        req.on("error", () => {});
        req.on("close", () => resolve({ status, sent }));
        const pump = () => {
          while (sent < 64) {
            sent++;
            if (!req.write(chunk)) return void req.once("drain", pump);
          }
          req.end();
        };
        pump();
      });
      // the answer arrives while the client is still sending
      expect(outcome.status).toBe(413);
      // and the server stopped reading well before the 64 MB the client would send
      expect(outcome.sent).toBeLessThan(64);
      expect(seen).toBeLessThanOrEqual(17 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
