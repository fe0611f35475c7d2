/** A job packed for a worker: signature (64) | message (32) | x-only key (32). */
export const JOB_BYTES = 128;

export interface PoolRequest {
  id: number;
  /** jobs packed back to back, JOB_BYTES each */
  buf: ArrayBuffer;
}

export interface PoolResponse {
  id: number;
  /** index in the request of the first job that fails, -1 when all verify */
  first: number;
}
