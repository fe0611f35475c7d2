export type { MempoolEntry, MempoolListener, RemovalReason } from "./entry.js";
export { compareRate } from "./feerate.js";
export {
  type AcceptFailure,
  type AcceptOptions,
  type AcceptResult,
  type AcceptSuccess,
  Mempool,
  type TemplateOptions,
} from "./mempool.js";
export { DEFAULTS as MEMPOOL_DEFAULTS, type MempoolOptions } from "./options.js";
export type { BlockTemplate } from "./template.js";
