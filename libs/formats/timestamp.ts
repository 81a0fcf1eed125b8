import { z } from 'zod';

/**
 * RFC 3339 §5.6 date-time: full date, `T` (or `t` / space, as RFC 3339 allows), time with
 * optional fraction, and a mandatory offset (`Z` or ±hh:mm). This is what JSON Schema's
 * `date-time` format (CycloneDX) and SLSA's Timestamp mean; a bare date is not one.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (m === null) return false;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
}

export const Rfc3339Timestamp = z
  .string()
  .refine(isRfc3339, { message: 'not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm))' });
