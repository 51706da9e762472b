/**
 * Binary image helpers shared by the index serializers. Layout of every image:
 *
 *   0  magic       4 ASCII bytes ("QVFL" flat, "QVHN" hnsw)
 *   4  version     u16
 *   6  reserved    u16 (0)
 *   8  length      u32, total image bytes
 *   12 crc32       u32 of bytes [16, length)
 *   16 body        fields written in order; typed arrays are little-endian and 8-byte aligned
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEADER = 16;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), as used by zlib. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let table = crcTable;
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('index images are little-endian; big-endian hosts are not supported');
}

export class ImageWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private pos = HEADER;
  private readonly magic: string;
  private readonly version: number;

  constructor(magic: string, version: number) {
    requireLittleEndian();
    if (magic.length !== 4) throw new RangeError('magic must be 4 characters');
    this.magic = magic;
    this.version = version;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Writes a length (element count) then the raw bytes, 8-byte aligned. */
  array(a: Int32Array | Uint8Array | Int8Array | Float64Array): this {
    this.u32(a.length);
    this.pos = (this.pos + 7) & ~7;
    this.reserve(a.byteLength + 8);
    this.buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), this.pos);
    this.pos += a.byteLength;
    return this;
  }

  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    const v = new DataView(out.buffer);
    for (let i = 0; i < 4; i++) out[i] = this.magic.charCodeAt(i);
    v.setUint16(4, this.version, true);
    v.setUint16(6, 0, true);
    v.setUint32(8, out.length, true);
    v.setUint32(12, crc32(out, HEADER), true);
    return out;
  }
}

/** Reads the magic of an image without validating it; undefined when too short. */
export function imageMagic(bytes: Uint8Array): string | undefined {
  if (bytes.length < HEADER) return undefined;
  return String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
}

export class ImageReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = HEADER;
  readonly version: number;

  /** @throws Error on a wrong magic, an unsupported version, a truncated image or a crc mismatch. */
  constructor(bytes: Uint8Array, magic: string, maxVersion: number) {
    requireLittleEndian();
    if (imageMagic(bytes) !== magic) throw new Error(`not a ${magic} index image`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.version = this.view.getUint16(4, true);
    if (this.version < 1 || this.version > maxVersion) {
      throw new Error(`${magic} index image version ${this.version} is not supported (max ${maxVersion})`);
    }
    const length = this.view.getUint32(8, true);
    if (length !== bytes.length) throw new Error(`${magic} index image is truncated (${bytes.length} of ${length} bytes)`);
    if (crc32(bytes, HEADER) !== this.view.getUint32(12, true)) throw new Error(`${magic} index image is corrupt (crc mismatch)`);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error('index image ends early');
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  private raw(bytesPerElement: number): Uint8Array {
    const n = this.u32();
    this.pos = (this.pos + 7) & ~7;
    const len = n * bytesPerElement;
    this.need(len);
    // A fresh, 0-offset copy: `bytes` may be a Node Buffer, whose slice() is a view into a pool.
    const out = new Uint8Array(len);
    out.set(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }

  int32Array(): Int32Array {
    const b = this.raw(4);
    return new Int32Array(b.buffer, 0, b.byteLength / 4);
  }

  uint8Array(): Uint8Array {
    return this.raw(1);
  }

  int8Array(): Int8Array {
    const b = this.raw(1);
    return new Int8Array(b.buffer, 0, b.byteLength);
  }
}
