/**
 * Datetime values as Qdrant accepts them in payloads and in range filters, converted to
 * microseconds since the Unix epoch (Qdrant's `DateTimePayloadType` granularity).
 *
 * Accepted forms (Qdrant "Payload → Datetime"):
 * - `2023-02-08T10:49:00Z`, `2023-02-08T11:49:00+01:00` (RFC 3339)
 * - `2023-02-08T10:49:00` (no timezone: UTC), `2023-02-08T10:49` (no seconds)
 * - `2023-02-08` (date only: midnight UTC)
 * - `T` may be a space; `T` and `Z` are case-insensitive; the offset may be `±HH:MM`, `±HHMM`, `±HH`;
 *   fractions of a second keep microsecond precision (extra digits are truncated).
 *
 * Values beyond ±285 years from 1970 lose sub-microsecond exactness in a JS number but keep their order.
 */
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Microseconds since the epoch, or null when `text` is not an accepted datetime. */
export function parseDatetime(text: string): number | null {
  const m = DATETIME.exec(text);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > maxDay) return null;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  let micros = 0;
  if (m[7] !== undefined) micros = Number(m[7].slice(0, 6).padEnd(6, '0'));
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (m[9] === '-' ? -1 : 1);
  }
  const days = daysFromCivil(year, month, day);
  const seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60;
  return seconds * 1_000_000 + micros;
}

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
