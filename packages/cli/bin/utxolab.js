#!/usr/bin/env node
// Thin launcher so the bin exists before the first build; the program lives in dist/.
import("../dist/main.js").catch((e) => {
  if (e && e.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/main.js")) {
    console.error("utxolab is not built yet: run `pnpm install && pnpm build` in the repository first.");
    process.exit(1);
  }
  throw e;
});
