/** Test helpers for the official gRPC client (@qdrant/js-client-grpc): JSON ↔ proto values, ids, vectors. */
/** JSON values as Quiver holds them: integers beyond ±(2^53−1) are bigints. */
type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

export function toValue(x: unknown): any {
  if (x === null || x === undefined) return { kind: { case: 'nullValue', value: 0 } };
  if (typeof x === 'number') return Number.isInteger(x) ? { kind: { case: 'integerValue', value: BigInt(x) } } : { kind: { case: 'doubleValue', value: x } };
  if (typeof x === 'bigint') return { kind: { case: 'integerValue', value: x } };
  if (typeof x === 'string') return { kind: { case: 'stringValue', value: x } };
  if (typeof x === 'boolean') return { kind: { case: 'boolValue', value: x } };
  if (Array.isArray(x)) return { kind: { case: 'listValue', value: { values: x.map(toValue) } } };
  return { kind: { case: 'structValue', value: { fields: toPayload(x as Record<string, unknown>) } } };
}

export function toPayload(o: Record<string, unknown>): Record<string, any> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)]));
}

export function fromValue(v: any): Json {
  const k = v?.kind;
  switch (k?.case) {
    case 'integerValue':
      return Number.isSafeInteger(Number(k.value)) ? Number(k.value) : (k.value as bigint);
    case 'doubleValue':
    case 'stringValue':
    case 'boolValue':
      return k.value;
    case 'listValue':
      return (k.value.values ?? []).map(fromValue);
    case 'structValue':
      return fromPayload(k.value.fields);
    default:
      return null;
  }
}

export function fromPayload(fields: Record<string, any> | undefined): Record<string, Json> {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, fromValue(v)]));
}

export function pid(id: number | string): any {
  return typeof id === 'number' ? { pointIdOptions: { case: 'num', value: BigInt(id) } } : { pointIdOptions: { case: 'uuid', value: id } };
}

export function fromPid(p: any): number | string {
  return p.pointIdOptions.case === 'num' ? Number(p.pointIdOptions.value) : p.pointIdOptions.value;
}

export function dense(data: number[]): any {
  return { vector: { case: 'dense', value: { data } } };
}

export function sparse(indices: number[], values: number[]): any {
  return { vector: { case: 'sparse', value: { indices, values } } };
}

/** A `VectorsOutput` → the REST shape (a bare vector, or vectors by name). */
export function fromVectors(v: any): unknown {
  if (v === undefined) return null;
  const one = (o: any): unknown => {
    const x = o.vector;
    if (x.case === 'dense') return x.value.data;
    if (x.case === 'sparse') return { indices: x.value.indices, values: x.value.values };
    return x.value.vectors.map((r: any) => r.data);
  };
  if (v.vectorsOptions.case === 'vector') return one(v.vectorsOptions.value);
  return Object.fromEntries(Object.entries(v.vectorsOptions.value.vectors).map(([n, o]) => [n, one(o)]));
}

export const withPayload = (enable = true): any => ({ selectorOptions: { case: 'enable', value: enable } });
export const withVectors = (enable = true): any => ({ selectorOptions: { case: 'enable', value: enable } });
