import { spawn } from "node:child_process";
import { constants } from "node:os";

/**
 * V8 flags the simulator runs with. It allocates fast (every message is encoded, parsed and
 * checked by real node code) and keeps a heap of gigabytes; with V8's default young
 * generation (16 MB semi-spaces) a 1,000 × 300 run spent a sixth of its time in thousands of
 * scavenges. 64 MB cut it from 166 to 119 s of CPU with the same trace hash
 * (docs/simulation.md, "Scale and cost"). V8 sizes the young generation only when the
 * process starts, so the command runs itself once more with the flags.
 */
export const SIM_V8_FLAGS: readonly string[] = ["--max-semi-space-size=64"];

/** Whether this process lacks the flags (and may start a child for them). */
export function needsRespawn(flags: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.UTXOLAB_NO_RESPAWN === "1") return false;
  return flags.some((f) => !process.execArgv.some((a) => a.split("=")[0] === f.split("=")[0]));
}

/**
 * Runs this same command line in a child `node` with `flags` (and this process's own flags),
 * sharing the terminal; resolves with its exit code. Ctrl-C in the terminal reaches both
 * processes (one process group); a signal sent to this one alone (`kill`) is passed on. This one
 * waits for the child to finish and exits the way it did.
 */
export function respawnWith(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, UTXOLAB_NO_RESPAWN: "1" },
  });
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return new Promise((resolve, reject) => {
    child.on("error", (e) =>
      reject(
        new Error(
          `cannot start the simulator process (${process.execPath}): ${e.message}; set UTXOLAB_NO_RESPAWN=1 to run it in this process (slower: V8's default young generation)`,
        ),
      ),
    );
    child.on("exit", (code, signal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}
