import type { ArgSpec, Category, MethodDoc } from "./table.js";

const TITLES: Record<Category, string> = {
  blockchain: "Blockchain",
  mempool: "Mempool",
  rawtransactions: "Rawtransactions",
  mining: "Mining",
  network: "Network",
  control: "Control",
  devnet: "Devnet (UTXOLab only)",
};

/** `getblock "blockhash" ( verbose )`: required arguments quoted as Core prints them, optional ones in parentheses. */
export function usageLine(name: string, args: readonly ArgSpec[]): string {
  const req = args.filter((x) => x.default === undefined).map((x) => `"${x.name}"`);
  const opt = args.filter((x) => x.default !== undefined).map((x) => x.name);
  return [name, ...req, ...(opt.length ? [`( ${opt.join(" ")} )`] : [])].join(" ");
}

/** Core's `help` (every method by category) and `help METHOD` (its arguments and how it stands to Core). */
export function helpText(docs: Readonly<Record<string, MethodDoc>>, command?: string): string {
  if (command === undefined) {
    const out: string[] = [];
    for (const cat of Object.keys(TITLES) as Category[]) {
      const names = Object.keys(docs)
        .filter((n) => docs[n].category === cat)
        .sort();
      if (names.length === 0) continue;
      if (out.length) out.push("");
      out.push(`== ${TITLES[cat]} ==`);
      for (const n of names) out.push(usageLine(n, docs[n].args));
    }
    return out.join("\n");
  }
  const d = Object.hasOwn(docs, command) ? docs[command] : undefined;
  // as Core: an unknown command is an answer, not an error
  if (!d) return `help: unknown command: ${command}`;
  const lines = [usageLine(command, d.args), "", d.summary];
  if (d.args.length) {
    lines.push("", "Arguments:");
    d.args.forEach((x, i) => {
      const when = x.default === undefined ? "required" : `optional, default=${x.default}`;
      lines.push(`${i + 1}. ${x.name}    (${x.type}, ${when})${x.note ? ` ${x.note}` : ""}`);
    });
  }
  lines.push(
    "",
    d.core.kind === "same"
      ? "Bitcoin Core: same method and parameters."
      : d.core.kind === "utxolab"
        ? "Bitcoin Core: none (UTXOLab only)."
        : `Bitcoin Core: differs: ${d.core.how}.`,
  );
  return lines.join("\n");
}
