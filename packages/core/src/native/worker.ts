import { parentPort, workerData } from "node:worker_threads";
import { nobleBackend, type SchnorrBackend } from "../secp.js";
import { JOB_BYTES, type PoolRequest, type PoolResponse } from "./protocol.js";

// One thread of the verification pool: it answers, for a packed run of jobs,
// the index of the first one that does not verify (-1 when all do).
const backend: SchnorrBackend =
  (workerData as { backend: string }).backend === "libsecp256k1" ? (await import("./libsecp.js")).libsecpBackend : nobleBackend;

parentPort?.on("message", (req: PoolRequest) => {
  const buf = new Uint8Array(req.buf);
  const n = buf.length / JOB_BYTES;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const o = i * JOB_BYTES;
    if (!backend.verify(buf.subarray(o, o + 64), buf.subarray(o + 64, o + 96), buf.subarray(o + 96, o + 128))) {
      first = i;
      break;
    }
  }
  const res: PoolResponse = { id: req.id, first };
  parentPort?.postMessage(res);
});
