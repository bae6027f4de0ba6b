import fc from 'fast-check';

/** Strings that have broken parsers, databases and loggers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\t\r\n',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  "' OR '1'='1' --",
  '"; DROP TABLE orders; --',
  '%s%s%s%n',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  'Ω≈ç√∫',
  'Zalgo: Z̴̢̛̖̣a̸l̶g̷o̵',
  'שָׁלוֹם مرحبا',
  '\u202Eevil\u202C',
  '\u200B\u200C\u200D\uFEFF',
  '𝕳𝖊𝖑𝖑𝖔 🙈🙉🙊 👩‍👩‍👧‍👦',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFF\uFFFE',
];

/** Numbers at and beyond the edges of JSON, doubles, int32 and PostgreSQL's integer types. */
export const NASTY_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  0.5,
  -0.000001,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  2 ** 64,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  Number.EPSILON,
];

/** Unicode of every plane and category (well-formed or not), up to `maxLength` code units. */
export const unicodeString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom(...NASTY_STRINGS),
  );

/** A long string (up to a few hundred kB: far past every field limit, well under the body limit). */
export const hugeString = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('x', 'é', '🙈', '\u0000', 'A1-'),
      fc.constantFrom(256, 1_025, 10_000, 100_000, 300_000),
    )
    .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

export const nastyNumber = (): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }));

/** JSON text that `toJsonText` writes as it is, in place of a value (too deep for JSON.stringify). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON nested far deeper than any schema: arrays or objects, up to thousands of levels. */
export const nestedJunk = (): fc.Arbitrary<RawJson> =>
  fc
    .tuple(
      fc.constantFrom(3, 64, 1_000, 5_000, 50_000),
      fc.constantFrom<'array' | 'object'>('array', 'object'),
    )
    .map(([depth, kind]) =>
      kind === 'array'
        ? new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`)
        : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    );

/** JSON.stringify, with RawJson values written as their text. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text =
    JSON.stringify(value, (_key, v: unknown) => {
      if (!(v instanceof RawJson)) return v;
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }) ?? 'null';
  return raws.length ? text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]) : text;
}

/** Any JSON value, small, with hostile leaves. */
export const anyJson = (): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      nastyNumber(),
      unicodeString(),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(unicodeString(12), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

/** `{"__proto__": …}` as an own key, the way JSON.parse would build it (prototype poisoning). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown) {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/**
 * A value for a header: visible ASCII and Latin-1 (what HTTP/1.1 carries; control characters are
 * refused by the client before they are sent), from empty to 10 kB.
 */
export const headerText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 80,
    }),
    fc.string({
      unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    }),
    fc.constantFrom('', ' ', '\t', 'x'.repeat(10_000), '%00', '../..', 'null', '-1', '0x41', '1e999'),
  );
