import { ApiError, api, type MiningState, token } from "../api.js";
import type { AppState } from "../app.js";
import { h, replace } from "../dom.js";

/**
 * Pause, resume, mine one block: so a room can watch the pool fill under --automine. The node
 * takes these from its own machine, or from anyone who gives the RPC token here.
 */
export function miningControls(state: AppState) {
  const el = h("div", { class: "mining", "data-testid": "mining" });
  const status = h("span", { class: "mining-status", "data-testid": "mining-status" }, "mining: …");
  const said = h("span", { class: "mining-said", "data-testid": "mining-said", "aria-live": "polite" });
  const tokenBox = h("input", {
    type: "password",
    placeholder: "RPC token",
    "aria-label": "RPC token",
    class: "token",
    hidden: true,
    autocomplete: "off",
  });
  let current: MiningState | undefined;

  const pause = h("button", { type: "button", "data-testid": "mining-pause" }, "Pause mining");
  const resume = h("button", { type: "button", "data-testid": "mining-resume" }, "Resume mining");
  const one = h("button", { type: "button", "data-testid": "mining-one" }, "Mine one block");

  function render(): void {
    const m = current;
    if (!m) return;
    status.textContent = !m.automatic
      ? "mining: only on request"
      : m.paused
        ? "mining: PAUSED (transactions wait in the pool)"
        : "mining: automatic";
    status.className = `mining-status ${m.paused ? "paused" : ""}`;
    pause.hidden = !m.automatic || m.paused;
    resume.hidden = !m.automatic || !m.paused;
  }

  async function steer(action: "pause" | "resume" | "mine"): Promise<void> {
    if (!tokenBox.hidden) token.set(tokenBox.value.trim());
    replace(said, "…");
    try {
      // a node without --mine-to pays the block to the last devnet account, the workshop's "miner"
      const to = action === "mine" && !current?.mineTo ? state.accountAddresses[9] : undefined;
      current = await api.steerMining(action, to);
      replace(said, current.said ?? "");
      render();
    } catch (e) {
      const msg = e instanceof ApiError ? e.message : (e as Error).message;
      if (e instanceof ApiError && e.status === 403) tokenBox.hidden = false;
      replace(said, h("span", { class: "error" }, msg));
    }
  }

  pause.addEventListener("click", () => void steer("pause"));
  resume.addEventListener("click", () => void steer("resume"));
  one.addEventListener("click", () => void steer("mine"));
  el.append(status, pause, resume, one, tokenBox, said);

  async function update(): Promise<void> {
    try {
      current = await api.mining();
      render();
    } catch {
      // an older node has no mining controls: leave the bar as it is
    }
  }

  return { el, update };
}
