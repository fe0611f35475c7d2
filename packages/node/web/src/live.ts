import type { LiveMessage } from "./api.js";

export type LiveState = "connecting" | "live" | "lost";

/**
 * Follows the node's /api/events WebSocket and comes back by itself after the node restarts;
 * `onReconnect` lets the page catch up on what it missed meanwhile.
 */
export class LiveFeed {
  private ws: WebSocket | undefined;
  private delay = 500;
  private everConnected = false;

  constructor(
    private readonly onMessage: (m: LiveMessage) => void,
    private readonly onState: (s: LiveState) => void,
    private readonly onReconnect: () => void,
  ) {}

  start(): void {
    this.onState("connecting");
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/events`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 500;
      this.onState("live");
      if (this.everConnected) this.onReconnect();
      this.everConnected = true;
    };
    ws.onmessage = (ev) => {
      try {
        this.onMessage(JSON.parse(String(ev.data)) as LiveMessage);
      } catch {
        // a message the page does not understand is skipped, the next refresh shows the truth
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onState("lost");
      setTimeout(() => this.start(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }
}
