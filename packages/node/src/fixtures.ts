import { createReadStream, existsSync, linkSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { bytesToHex, decodeBlock, encodeBlock } from "@utxolab/core";
import { ConfigError } from "./node.js";
import type { ChainSource, Reporter, Submitter } from "./parts.js";

/**
 * Chain fixtures: `dumpchain FILE` writes the best chain, `utxolab node --load-chain FILE`
 * submits it at start. The file is text: a header line, then one block per line in hex,
 * height 1 first:
 *
 *     utxolab-chain 1 <network> <genesis hash> <height>
 *     <block 1 hex>
 *     ...
 */
export const CHAIN_FILE_MAGIC = "utxolab-chain";
const VERSION = "1";

/** dumpchain refuses to write over a file that exists. */
export class FixtureExistsError extends Error {
  constructor(readonly file: string) {
    super(`dumpchain: ${file} already exists; nothing was written over it. Give a new file name, or move that file out of the way first`);
  }
}

/** Writes the best chain to `file` (through a temporary file, so a reader never sees half of it). */
export async function dumpChain(node: ChainSource, file: string): Promise<{ file: string; height: number; bytes: number }> {
  return node.chain.run(async () => {
    const height = node.chain.height;
    const lines = [`${CHAIN_FILE_MAGIC} ${VERSION} ${node.params.name} ${node.genesisHash} ${height}`];
    for (let h = 1; h <= height; h++) {
      const e = node.chain.atHeight(h);
      const b = e && (await node.chain.getBlock(e.hash));
      if (!b) throw new Error(`block at height ${h} is missing from storage`);
      lines.push(bytesToHex(encodeBlock(b)));
    }
    const text = `${lines.join("\n")}\n`;
    // Never over anything that exists (as Core's dumptxoutset): not the node's cookie, node.json or
    // chain database, not a device, not an earlier fixture. The temp file is created exclusively and
    // linked into place, which fails if the name was taken meanwhile; it is removed either way.
    if (existsSync(file)) throw new FixtureExistsError(file);
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(tmp, text, { flag: "wx", mode: 0o644 });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new FixtureExistsError(file);
      throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
    return { file, height, bytes: Buffer.byteLength(text) };
  });
}

/** Submits every block of a chain file; a block the node already has is fine. Errors name the file and line. */
export async function loadChainFile(
  node: ChainSource & Pick<Submitter, "submitBlock"> & Pick<Reporter, "info">,
  file: string,
): Promise<{ blocks: number; height: number; ms: number }> {
  const started = performance.now();
  // A line is at most one block in hex: a longer one is refused before it is decoded.
  const maxLine = 2 * node.params.maxBlockSize + 2;
  const fail = (line: number, why: string) => new ConfigError(`--load-chain ${file}, line ${line}: ${why}`);
  let stream: ReturnType<typeof createReadStream>;
  try {
    stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
  } catch (e) {
    throw new ConfigError(`--load-chain ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let blocks = 0;
  let declared = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.length > maxLine) throw fail(n, `longer than a block of ${node.params.maxBlockSize} bytes can be`);
      if (n === 1) {
        const [magic, version, network, genesis, height] = line.split(" ");
        if (magic !== CHAIN_FILE_MAGIC || version !== VERSION) {
          throw fail(n, `not a chain file (it must start with "${CHAIN_FILE_MAGIC} ${VERSION}"; write one with the dumpchain RPC)`);
        }
        if (network !== node.params.name || genesis !== node.genesisHash) {
          throw fail(
            n,
            `the chain is of network ${network} with genesis ${genesis}, this node runs ${node.params.name} (${node.genesisHash})`,
          );
        }
        // The height in the header is how a file cut short (a copy stopped half way) is told from a short chain.
        if (height === undefined || !/^\d{1,9}$/.test(height)) {
          throw fail(
            n,
            `the header line must end with the chain's height (got ${JSON.stringify(height ?? "")}); write the file with the dumpchain RPC`,
          );
        }
        declared = Number(height);
        continue;
      }
      if (line === "") continue;
      if (blocks >= declared)
        throw fail(n, `more blocks than the ${declared} its header line says; the file was changed after dumpchain wrote it`);
      const d = decodeBlock(line);
      if (!d.ok) throw fail(n, `the block does not decode: ${d.detail ?? d.reason}`);
      const r = await node.submitBlock(d.block, "load-chain");
      if (!r.ok && r.reason !== "duplicate") throw fail(n, `block refused: ${r.reason}${r.detail ? `: ${r.detail}` : ""}`);
      blocks++;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (n === 0) throw new ConfigError(`--load-chain ${file}: the file is empty`);
  if (blocks < declared) {
    throw new ConfigError(
      `--load-chain ${file}: the file ends after ${blocks} of the ${declared} blocks its header line says (it was cut short, e.g. a copy that stopped); the ${blocks} were loaded; dump the chain again and load the whole file`,
    );
  }
  const ms = Math.round(performance.now() - started);
  node.info(`loaded ${blocks} block(s) from ${file} in ${ms} ms: chain at height ${node.chain.height}`);
  return { blocks, height: node.chain.height, ms };
}
