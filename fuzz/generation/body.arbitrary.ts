import fc from 'fast-check';
import type { Operation } from '../openapi-document';
import { anyJson, hugeString, nestedJunk, toJsonText } from './hostile-values';
import { mutatedValue } from './schema-mutations';
import { validValue } from './schema-values';
import { plain, weighted, type Body, type Dimension, type GenerationContext } from './dimension';

const NOT_JSON = [
  '{',
  '{"items":',
  'not json',
  '{"a":1,}',
  "{'a':1}",
  'NaN',
  '\u0000',
  '[1,2',
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '"unterminated',
  '{"a":1e999999}',
  '{"a":123456789012345678901234567890}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/jsonx',
  ';',
  'application/json, text/plain',
];

export function bodyDimension(operation: Operation, context: GenerationContext): Dimension<Body> {
  const json = (value: unknown, contentType = 'application/json'): Body => ({
    text: toJsonText(value),
    contentType,
  });
  const junk = weighted<Body>(
    [
      2,
      plain(
        fc.constantFrom(...NOT_JSON).map((text) => ({ text, contentType: 'application/json' })),
        'body:not-json',
      ),
    ],
    [
      2,
      plain(
        anyJson().map((v) => json(v)),
        'body:any-json',
      ),
    ],
    [
      1,
      plain(
        nestedJunk().map((v) => json(v)),
        'body:nested',
      ),
    ],
    [
      1,
      plain(
        fc.constantFrom('', ' ').map((text) => ({ text, contentType: 'application/json' })),
        'body:empty',
      ),
    ],
    [1, plain(fc.constant({ text: '{}' }), 'body:no-content-type')],
    [
      1,
      plain(
        fc.constant({ text: 'x'.repeat(context.oversizedBodyBytes), contentType: 'application/json' }),
        'body:oversized',
      ),
    ],
    [
      1,
      plain(
        hugeString().map((s) => json(s)),
        'body:huge',
      ),
    ],
  );
  if (!operation.body) return { valid: plain(fc.constant(undefined)), broken: junk };
  const { schema } = operation.body;
  return {
    valid: weighted<Body>(
      [
        3,
        plain(
          validValue(schema, context, '', 'examples').map((v) => json(v)),
          'body:from-examples',
        ),
      ],
      [
        1,
        plain(
          validValue(schema, context).map((v) => json(v)),
          'body:schema-valid',
        ),
      ],
    ),
    broken: weighted<Body>(
      [
        8,
        mutatedValue(schema, context, context.extraFields).map(({ value, mutation }) => ({
          value: json(value),
          families: [`body:${mutation}`],
        })),
      ],
      [
        2,
        plain(
          fc
            .tuple(validValue(schema, context, '', 'examples'), fc.constantFrom(...WRONG_CONTENT_TYPES))
            .map(([v, type]) => json(v, type)),
          'body:wrong-content-type',
        ),
      ],
      [1, plain(fc.constant(undefined), 'body:missing')],
      [5, junk],
    ),
  };
}
