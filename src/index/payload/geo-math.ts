import type { GeoBoundingBox, GeoPoint, GeoPolygon, GeoRadius } from '../filter/types.js';

/** Mean Earth radius used by the `geo` crate's haversine (what Qdrant uses), in meters. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance in meters between two coordinates. */
export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const s1 = Math.sin(dLat / 2);
  const s2 = Math.sin(dLon / 2);
  const a = s1 * s1 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * s2 * s2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

/** Qdrant `GeoRadius::check_point`: strictly inside the circle. */
export function inRadius(r: GeoRadius, lat: number, lon: number): boolean {
  return haversineMeters(r.center.lat, r.center.lon, lat, lon) < r.radius;
}

/** Qdrant `GeoBoundingBox::check_point`: strict bounds; a box with `top_left.lon > bottom_right.lon` crosses the antimeridian. */
export function inBoundingBox(box: GeoBoundingBox, lat: number, lon: number): boolean {
  const tl = box.topLeft;
  const br = box.bottomRight;
  const lonOk = tl.lon > br.lon ? lon > tl.lon || lon < br.lon : tl.lon < lon && lon < br.lon;
  return lonOk && br.lat < lat && lat < tl.lat;
}

const OUTSIDE = 0;
const INSIDE = 1;
const ON_BOUNDARY = 2;

/**
 * Qdrant checks polygons with the `geo` crate's `contains`: the point must be strictly inside the
 * exterior ring and strictly outside every interior ring (a point on any boundary is not contained).
 */
export function inPolygon(polygon: GeoPolygon, lat: number, lon: number): boolean {
  if (ringPosition(polygon.exterior, lat, lon) !== INSIDE) return false;
  for (const hole of polygon.interiors) {
    if (ringPosition(hole, lat, lon) !== OUTSIDE) return false;
  }
  return true;
}

/** Winding-number position of (lon, lat) relative to a closed ring; x = lon, y = lat. */
function ringPosition(ring: readonly GeoPoint[], lat: number, lon: number): number {
  let winding = 0;
  const n = ring.length;
  for (let i = 0; i + 1 < n; i++) {
    const a = ring[i] as GeoPoint;
    const b = ring[i + 1] as GeoPoint;
    const cross = (b.lon - a.lon) * (lat - a.lat) - (lon - a.lon) * (b.lat - a.lat);
    if (
      cross === 0 &&
      lon >= Math.min(a.lon, b.lon) &&
      lon <= Math.max(a.lon, b.lon) &&
      lat >= Math.min(a.lat, b.lat) &&
      lat <= Math.max(a.lat, b.lat)
    ) {
      return ON_BOUNDARY;
    }
    if (a.lat <= lat) {
      if (b.lat > lat && cross > 0) winding++;
    } else if (b.lat <= lat && cross < 0) {
      winding--;
    }
  }
  return winding !== 0 ? INSIDE : OUTSIDE;
}

/** Reads a geo point payload value: an object with numeric `lat` and `lon` (other keys ignored). */
export function readGeoPoint(value: unknown): GeoPoint | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  const lat = Object.hasOwn(obj, 'lat') ? obj['lat'] : undefined;
  const lon = Object.hasOwn(obj, 'lon') ? obj['lon'] : undefined;
  if (typeof lat !== 'number' || typeof lon !== 'number') return null;
  return { lat, lon };
}
