import { devnetAccounts, encodeAddress } from "@utxolab/core";
import type { Info, NodeEvent } from "./api.js";
import { h, link, shortAddr } from "./dom.js";

/** A screen of the page: it owns its element and re-reads the node when told something changed. */
export interface View {
  el: HTMLElement;
  update(): Promise<void>;
}

export type Reorg = Extract<NodeEvent, { type: "reorg" }> & { at: number };

/** What every view may need: the node's summary, the devnet accounts, the last reorganization. */
export class AppState {
  info: Info | undefined;
  /** address → devnet account index, filled once the node says it runs devnet */
  private accountOf = new Map<string, number>();
  readonly accountAddresses: string[] = [];
  lastReorg: Reorg | undefined;
  /** blocks that left the best chain in a reorganization seen by this page */
  readonly leftBest = new Set<string>();
  /** blocks that joined the best chain in the last reorganization */
  joinedBest = new Set<string>();
  /** blocks connected since a disconnection: the new branch, until the reorg event closes it */
  private connecting: string[] | undefined;

  /** Follows the node's order of events in a switch: disconnections, connections, then the reorg itself. */
  track(e: NodeEvent, at: number): void {
    if (e.type === "block-disconnected") {
      this.leftBest.add(e.hash);
      this.connecting ??= [];
    } else if (e.type === "block") {
      this.leftBest.delete(e.hash);
      this.connecting?.push(e.hash);
    } else if (e.type === "reorg") {
      this.lastReorg = { ...e, at };
      this.joinedBest = new Set(this.connecting ?? []);
      this.connecting = undefined;
    }
  }

  setInfo(info: Info): void {
    const first = !this.info;
    this.info = info;
    if (first && info.devnet) {
      for (const a of devnetAccounts()) {
        const addr = encodeAddress(a.pubkey, info.params.hrp);
        this.accountOf.set(addr, a.index);
        this.accountAddresses.push(addr);
      }
    }
  }

  account(address: string | undefined): number | undefined {
    return address === undefined ? undefined : this.accountOf.get(address);
  }

  /** An address as a link, named "account N" when it is one of the public devnet accounts. */
  addressLink(address: string | undefined): HTMLElement {
    if (!address) return h("span", { class: "muted" }, "unknown");
    const n = this.account(address);
    return link(
      `#/address/${address}`,
      [n !== undefined ? h("span", { class: "acct" }, `account ${n}`) : null, " ", h("span", { class: "mono" }, shortAddr(address))],
      {
        title: address,
      },
    );
  }
}
