export { StoreError } from "./errors.js";
export { PREFIX, SCHEMA_VERSION } from "./layout.js";
export { ensureDatadir, type KvDb, type KvIterator, type KvOp, openStore, Store, type StoreOptions } from "./store.js";
