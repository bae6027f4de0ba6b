import fc from 'fast-check';
import { MALFORMED_AUTHORIZATION, TOKEN_KINDS, type TokenKind } from '../fuzz-credentials';
import type { Authorization } from '../fuzz-request';
import type { Operation } from '../openapi-document';
import { headerText } from './hostile-values';
import { plain, weighted, type Dimension } from './dimension';

const BAD_TOKENS = TOKEN_KINDS.filter((k) => !['customer', 'other-customer', 'operator'].includes(k));

export function authorizationDimension(
  operation: Pick<Operation, 'secured' | 'statuses'>,
): Dimension<Authorization> {
  const token = (kind: TokenKind, placement: 'header' | 'query' | 'both' = 'header'): Authorization => ({
    kind: 'token',
    token: kind,
    placement,
  });
  const valid = (kind: TokenKind) => plain(fc.constant(token(kind)), `auth:${kind}`);
  const none = plain(fc.constant<Authorization>({ kind: 'none' }), 'auth:none');
  const bad = fc
    .constantFrom(...BAD_TOKENS)
    .map((kind) => ({ value: token(kind), families: [`auth:${kind}`] }));
  const malformed = plain(
    fc.oneof(
      fc.constantFrom(...MALFORMED_AUTHORIZATION),
      headerText().map((text) => `Bearer ${text}`),
      headerText(),
    ),
    'auth:malformed',
  ).map(({ value, families }) => ({ value: { kind: 'raw' as const, header: value }, families }));
  const inQuery = fc
    .tuple(
      fc.constantFrom<TokenKind>('customer', 'operator'),
      fc.constantFrom<'query' | 'both'>('query', 'both'),
    )
    .map(([kind, placement]) => ({
      value: token(kind, placement),
      families: [`auth:token-in-${placement}`],
    }));
  const broken = weighted<Authorization>([2, none], [4, bad], [2, malformed], [2, inQuery]);
  if (!operation.secured)
    return {
      valid: weighted<Authorization>([6, none], [1, valid('customer')], [1, valid('operator')]),
      broken,
    };
  // Routes documenting a 403 need a scope: the operator's token is the one that gets through.
  const scoped = operation.statuses.includes(403);
  return {
    valid: scoped
      ? weighted<Authorization>([8, valid('operator')], [1, valid('customer')])
      : weighted<Authorization>([6, valid('customer')], [2, valid('other-customer')], [1, valid('operator')]),
    broken,
  };
}
