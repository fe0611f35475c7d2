import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";

/** The shell lines of a Markdown file's ```sh blocks, without comments and blank lines. */
function shellLines(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const lines: string[] = [];
  for (const m of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of m[1].split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      if (line && !line.startsWith("#")) lines.push(line);
    }
  }
  return lines;
}

// Docs a newcomer follows on a machine with only Node and npm (no global pnpm).
const TOURS = ["README.md", "docs/workshop.md", "docs/lan-workshop.md"];

describe("the docs' commands run with only Node and npm", () => {
  for (const file of TOURS) {
    it(`${file}: every command is npx utxolab, npx -y pnpm@10, or plain shell`, () => {
      const lines = shellLines(file);
      expect(lines.length).toBeGreaterThan(0);
      // a bare `pnpm ...` or `utxolab ...` needs a global install that a fresh machine lacks
      const needsGlobal = lines.filter((l) => /^(pnpm|utxolab)\b/.test(l));
      expect(needsGlobal).toEqual([]);
    });
  }

  it("npx utxolab finds the repository's own program (node_modules/.bin/utxolab, linked by the install)", () => {
    expect(existsSync(join(REPO, "node_modules/.bin/utxolab"))).toBe(true);
    const out = execFileSync("npx", ["--no-install", "utxolab", "help"], { cwd: REPO, encoding: "utf8" });
    expect(out).toContain("utxolab devnet");
  });

  it("the README links to no file outside the repository", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    expect(readme).not.toMatch(/\.\.\/shared/);
    for (const m of readme.matchAll(/\]\(((?:docs|test)\/[^)#]+)\)/g)) expect(existsSync(join(REPO, m[1])), m[1]).toBe(true);
  });
});
