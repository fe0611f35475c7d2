import type { IncomingMessage } from "node:http";
import { networkInterfaces } from "node:os";

/** Who may use the web page, its API and its live events, beyond the node's own addresses. */
export interface WebAccessOptions {
  /** the address the RPC/web port is bound to (`--rpc-bind`) */
  bind: string;
  /** more host names the Host header may carry (`--allow-host`, e.g. a LAN name); "*" turns the Host check off */
  allowHosts?: readonly string[];
  /** pages of other origins that may post transactions and watch events (`--web-origin`); "*": any page (the devnet opened on purpose) */
  origins?: readonly string[];
}

const LOCAL_NAMES = ["localhost", "127.0.0.1", "::1"];
const ANY = new Set(["0.0.0.0", "::", ""]);

/** The host name of a Host header or an origin's authority, lowercased, without port or IPv6 brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  const colon = a.indexOf(":");
  return colon >= 0 && a.indexOf(":", colon + 1) < 0 ? a.slice(0, colon) : a;
}

/**
 * The defences against other web pages: a Host allowlist against DNS rebinding (a page whose
 * name resolves to this node's address reads the API as its own origin), and an Origin check for
 * what a page of another site could otherwise do through the visitor's browser.
 */
export class WebAccess {
  private readonly hosts = new Set<string>();
  private readonly anyHost: boolean;
  private readonly origins: Set<string>;
  readonly open: boolean;

  constructor(opts: WebAccessOptions) {
    for (const h of LOCAL_NAMES) this.hosts.add(h);
    const bind = hostName(opts.bind);
    if (ANY.has(bind)) {
      // bound to every interface: each of this machine's addresses is one of "the hosts it is bound to"
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) this.hosts.add(i.address.toLowerCase());
    } else this.hosts.add(bind);
    const extra = (opts.allowHosts ?? []).map(hostName);
    this.anyHost = extra.includes("*");
    for (const h of extra) this.hosts.add(h);
    this.origins = new Set((opts.origins ?? []).map((o) => o.trim().toLowerCase().replace(/\/+$/, "")));
    this.open = this.origins.has("*");
  }

  /** The refusal for a request whose Host is not this node's, or undefined when it is. */
  hostRefusal(req: IncomingMessage): string | undefined {
    if (this.anyHost) return undefined;
    const host = req.headers.host;
    if (!host) return "the request has no Host header";
    const name = hostName(host);
    if (this.hosts.has(name) || name.endsWith(".localhost")) return undefined;
    return `this node's web API answers requests addressed to ${[...this.hosts].slice(0, 6).join(", ")}, not ${JSON.stringify(name)} (a defence against DNS rebinding); to reach it by that name, start the node with --allow-host ${name}`;
  }

  /**
   * Whether the request's Origin (sent by browsers) is this page's own or an allowed one.
   * No Origin means no browser page: scripts and command-line tools pass.
   */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.open) return true;
    const o = origin.trim().toLowerCase();
    if (this.origins.has(o)) return true;
    const host = req.headers.host?.toLowerCase();
    return host !== undefined && (o === `http://${host}` || o === `https://${host}`);
  }
}

/** Whether the peer is this machine itself (127.0.0.1 or ::1): the projector's own page. */
export function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}
