import type { FieldCondition } from '../filter/types.js';
import { leafValues } from '../json-path.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import type { FieldSchema } from './field-schema.js';
import { inBoundingBox, inPolygon, inRadius, readGeoPoint } from './geo-math.js';
import type { OffsetList } from './offsets.js';
import { exactEstimate, soleCheck } from './payload-index.js';
import type { CardinalityEstimate, FacetSource, PayloadFieldIndex, SoleCheck } from './payload-index.js';

/**
 * `geo` index: the `{lat, lon}` points of each offset in flat typed arrays. Queries scan the
 * coordinates (no payload decoding), with the same predicates `matches()` uses, so answers are
 * exact. The last answer is cached because the planner asks for an estimate and then candidates.
 */
export class GeoIndex implements PayloadFieldIndex {
  readonly path: JsonPath;
  readonly schema: FieldSchema;
  private readonly byPoint = new Map<number, Float64Array>();
  private version = 0;
  private cached: { condition: FieldCondition; version: number; result: OffsetList } | null = null;

  constructor(path: JsonPath, schema: FieldSchema) {
    this.path = path;
    this.schema = schema;
  }

  get pointsCount(): number {
    return this.byPoint.size;
  }

  add(offset: number, payload: JsonRecord | null | undefined): void {
    this.remove(offset);
    const coords: number[] = [];
    for (const value of leafValues(payload, this.path)) {
      const p = readGeoPoint(value);
      if (p !== null) coords.push(p.lat, p.lon);
    }
    if (coords.length === 0) return;
    this.byPoint.set(offset, Float64Array.from(coords));
    this.version++;
  }

  remove(offset: number): void {
    if (this.byPoint.delete(offset)) this.version++;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null || check.kind === 'match' || check.kind === 'range') return null;
    const c = this.cached;
    if (c !== null && c.condition === condition && c.version === this.version) return c.result;
    const result = this.scan(check);
    this.cached = { condition, version: this.version, result };
    return result;
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const result = this.candidates(condition);
    return result === null ? null : exactEstimate(result.length);
  }

  facetSource(): FacetSource | null {
    return null;
  }

  private scan(check: SoleCheck): OffsetList {
    const hits: number[] = [];
    for (const [offset, coords] of this.byPoint) {
      for (let i = 0; i < coords.length; i += 2) {
        const lat = coords[i] as number;
        const lon = coords[i + 1] as number;
        let ok = false;
        if (check.kind === 'geo_bounding_box') ok = inBoundingBox(check.box, lat, lon);
        else if (check.kind === 'geo_radius') ok = inRadius(check.circle, lat, lon);
        else if (check.kind === 'geo_polygon') ok = inPolygon(check.polygon, lat, lon);
        if (ok) {
          hits.push(offset);
          break;
        }
      }
    }
    return Uint32Array.from(hits).sort();
  }
}
