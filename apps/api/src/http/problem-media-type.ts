/** The media type of error answers (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

/** The same body for clients that name only plain JSON in `Accept`. */
export const PLAIN_JSON = 'application/json; charset=utf-8';

/** Media ranges that take problem details: it named, or a wildcard that covers it. */
const TAKES_PROBLEM_JSON = new Set(['application/problem+json', 'application/*', '*/*']);

/** `q=0`: the range is named only to refuse it (RFC 9110 §12.4.2). */
const REFUSED = /;\s*q\s*=\s*0(\.0{0,3})?\s*(;|$)/i;

/**
 * The content type of an error answer to a request with this `Accept` header: `application/problem+json`,
 * unless the header names `application/json` and no range that covers problem details
 * (`application/problem+json`, `application/*` or the range of all types) — then the same body as
 * `application/json; charset=utf-8`, for clients that only parse what they asked for. Parameters are
 * ignored, but for `q=0`, which refuses a range instead of naming it; no header, an empty one or one
 * naming neither gets problem details.
 */
export function problemMediaType(accept: string | readonly string[] | undefined): string {
  if (accept === undefined) return PROBLEM_JSON;
  let namesJson = false;
  for (const range of (typeof accept === 'string' ? accept : accept.join(',')).split(',')) {
    if (REFUSED.test(range)) continue;
    const mediaType = range.split(';', 1)[0].trim().toLowerCase();
    if (TAKES_PROBLEM_JSON.has(mediaType)) return PROBLEM_JSON;
    if (mediaType === 'application/json') namesJson = true;
  }
  return namesJson ? PLAIN_JSON : PROBLEM_JSON;
}
