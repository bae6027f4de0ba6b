import fc from 'fast-check';
import type { ParameterObject } from '../openapi-document';
import { headerText } from './hostile-values';
import { plain, weighted, type Dimension, type Headers, type Part } from './dimension';

const REPEATED_VALUES = ['fuzz-1', 'fuzz-2', 'fuzz-3'];
const ODD_ACCEPT = [
  'text/html',
  'application/xml',
  '*/*',
  'application/json;q=0',
  'image/png',
  '',
  'garbage/;;;',
];
const ODD_HEADERS = [
  'X-Request-Id',
  'traceparent',
  'tracestate',
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'Accept-Encoding',
  'Accept-Language',
  'Origin',
  'Cookie',
  'If-None-Match',
  'Range',
  'Expect',
];

export function headersDimension(parameters: ParameterObject[]): Dimension<Headers> {
  const visibleAscii = fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 64,
  });
  const validFor = (parameter: ParameterObject): Part<Headers> =>
    weighted<Headers>(
      [1, plain(fc.constant([]))],
      [
        2,
        plain(
          fc.oneof(fc.uuid(), visibleAscii).map((v): Headers => [[parameter.name, v]]),
          'header:valid',
        ),
      ],
      // A few values over and over: a key sent again (idempotent replays, reuse with another body, races).
      [
        1,
        plain(
          fc.constantFrom(...REPEATED_VALUES).map((v): Headers => [[parameter.name, v]]),
          'header:repeated-value',
        ),
      ],
    );
  const brokenFor = (parameter: ParameterObject): Part<Headers> =>
    weighted<Headers>(
      [
        3,
        plain(
          headerText().map((v): Headers => [[parameter.name, v]]),
          'header:invalid',
        ),
      ],
      [
        1,
        plain(
          fc.tuple(fc.uuid(), fc.uuid()).map(([a, b]): Headers => [
            [parameter.name, a],
            [parameter.name, b],
          ]),
          'header:repeated',
        ),
      ],
    );
  const join = (chosen: Array<{ value: Headers; families: string[] }>) => ({
    value: chosen.flatMap((p) => p.value),
    families: chosen.flatMap((p) => p.families),
  });
  const odd = weighted<Headers>(
    [
      2,
      plain(
        fc.constantFrom(...ODD_ACCEPT).map((v): Headers => [['Accept', v]]),
        'header:accept',
      ),
    ],
    [
      3,
      plain(
        fc
          .tuple(fc.constantFrom(...ODD_HEADERS), headerText())
          .map(([name, value]): Headers => [[name, value]]),
        'header:odd',
      ),
    ],
    [
      1,
      plain(
        fc.constantFrom(20_000, 40_000).map((n): Headers => [['X-Padding', 'p'.repeat(n)]]),
        'header:oversized',
      ),
    ],
  );
  const valid = fc.tuple(...parameters.map(validFor)).map(join);
  const brokenParameter = parameters.length
    ? fc
        .nat(parameters.length - 1)
        .chain((at) =>
          fc.tuple(...parameters.map((p, i) => (i === at ? brokenFor(p) : validFor(p)))).map(join),
        )
    : undefined;
  const withOdd = fc.tuple(valid, odd).map(join);
  return { valid, broken: brokenParameter ? weighted([1, brokenParameter], [1, withOdd]) : withOdd };
}
