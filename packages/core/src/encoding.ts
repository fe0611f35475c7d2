import { type Refused, refused } from "./result.js";
/** Raised inside decoders only; public decoders turn it into a `{ ok: false }` result. */
export class DecodeError extends Error {}

const MAX_U64 = (1n << 64n) - 1n;

/** Growable little-endian writer. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > MAX_U64) throw new RangeError(`u64 out of range: ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  compactSize(n: number | bigint): this {
    const v = BigInt(n);
    if (v < 0xfdn) return this.u8(Number(v));
    if (v <= 0xffffn) return this.u8(0xfd).u16(Number(v));
    if (v <= 0xffffffffn) return this.u8(0xfe).u32(Number(v));
    return this.u8(0xff).u64(v);
  }

  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Strict little-endian reader: every read checks bounds; CompactSize must be minimal. */
export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw new DecodeError(`truncated: ${what} needs ${n} bytes, ${this.remaining} left`);
  }

  u8(): number {
    this.need(1, "u8");
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2, "u16");
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4, "u32");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, "u64");
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(n: number, what = "bytes"): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  compactSizeBig(): bigint {
    const first = this.u8();
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16();
      if (v < 0xfd) throw new DecodeError("non-minimal CompactSize");
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v <= 0xffff) throw new DecodeError("non-minimal CompactSize");
      return BigInt(v);
    }
    const v = this.u64();
    if (v <= 0xffffffffn) throw new DecodeError("non-minimal CompactSize");
    return v;
  }

  /** A count of items each at least `minItemSize` bytes: must fit in what remains. */
  count(minItemSize: number, what: string): number {
    const v = this.compactSizeBig();
    if (v * BigInt(minItemSize) > BigInt(this.remaining)) {
      throw new DecodeError(`${what} count ${v} cannot fit in the ${this.remaining} bytes left`);
    }
    return Number(v);
  }

  varBytes(what = "varbytes"): Uint8Array {
    const n = this.count(1, what);
    return this.bytes(n, what);
  }

  end(what: string): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes after the ${what}`);
  }
}

export function encodeCompactSize(v: number | bigint): Uint8Array {
  return new Writer(9).compactSize(v).finish();
}

export type Decoded<T> = { ok: true; value: T } | Refused<"malformed">;

export function decodeCompactSize(buf: Uint8Array): Decoded<bigint> {
  try {
    const r = new Reader(buf);
    const v = r.compactSizeBig();
    r.end("CompactSize");
    return { ok: true, value: v };
  } catch (e) {
    return refused("malformed", e instanceof DecodeError ? e.message : String(e));
  }
}
