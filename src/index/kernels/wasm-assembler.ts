/**
 * A tiny WebAssembly binary writer: just what the distance kernels need (one imported memory,
 * functions over i32/f32/v128 locals, exports). There is no wat2wasm in this toolchain, so the
 * module bytes are written here; `WebAssembly.validate` in the tests keeps the encoding honest.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Core opcodes used by the kernels. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  call: 0x10,
  i32Load: 0x28,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Mul: 0x6c,
  i32LtU: 0x49,
  i32Const: 0x41,
  f32Const: 0x43,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Shl: 0x74,
  blockTypeEmpty: 0x40,
} as const;

/** SIMD128 opcodes (after the 0xfd prefix, LEB128-encoded). */
export const SIMD = {
  v128Load: 0x00,
  v128Const: 0x0c,
  f32x4ExtractLane: 0x1f,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
} as const;

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Emits the body of one function; chainable. */
export class CodeWriter {
  readonly bytes: number[] = [];

  op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  get(local: number): this {
    return this.op(OP.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.op(OP.localSet, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(OP.localTee, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(OP.i32Const, ...sleb(value));
  }
  f32(value: number): this {
    const b = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(OP.f32Const, ...b);
  }
  simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...immediates);
  }
  /** v128.load with a byte offset; align hint 2^4. */
  v128Load(offset = 0): this {
    return this.simd(SIMD.v128Load, 4, ...uleb(offset));
  }
  f32Load(offset = 0): this {
    return this.op(OP.f32Load, 2, ...uleb(offset));
  }
  f32Store(offset = 0): this {
    return this.op(OP.f32Store, 2, ...uleb(offset));
  }
  i32Load(offset = 0): this {
    return this.op(OP.i32Load, 2, ...uleb(offset));
  }
  call(index: number): this {
    return this.op(OP.call, ...uleb(index));
  }
  v128Zero(): this {
    return this.simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  }
  lane(index: number): this {
    return this.simd(SIMD.f32x4ExtractLane, index);
  }
}

export interface FunctionDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals, in order after the params. */
  locals: ValType[];
  body: CodeWriter;
}

export interface MemoryImport {
  module: string;
  field: string;
  minPages: number;
  maxPages: number;
  shared: boolean;
}

/** Assembles a module: one imported memory, the given functions, all exported by name. */
export function assembleModule(memory: MemoryImport, functions: FunctionDef[]): Uint8Array {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = vec(functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results]));
  const limits = [memory.shared ? 0x03 : 0x01, ...uleb(memory.minPages), ...uleb(memory.maxPages)];
  const imports = vec([[...name(memory.module), ...name(memory.field), 0x02, ...limits]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const codes = vec(
    functions.map((f) => {
      const groups: number[][] = [];
      for (const t of f.locals) groups.push([1, t]);
      const body = [...vec(groups), ...f.body.bytes, OP.end];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    ...header,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, codes),
  ]);
}
