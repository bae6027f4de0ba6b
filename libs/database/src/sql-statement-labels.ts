export interface StatementLabels {
  operation: string;
  table: string;
}

const TRANSACTION = /^(start|begin|commit|rollback|savepoint|release)\b/;
const TABLE_AFTER =
  /\b(?:from|into|update|join)\s+(?:only\s+)?"?(?:[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/i;

const CACHE_LIMIT = 1_000;
const cache = new Map<string, StatementLabels>();

/**
 * Low-cardinality labels for a SQL statement: its verb and the first table it names. The ORM sends the
 * same few statements over and over (parameters travel separately), so labels are remembered per text.
 */
export function statementLabels(sql: string): StatementLabels {
  let labels = cache.get(sql);
  if (labels) return labels;
  labels = parseStatement(sql);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(sql, labels);
  return labels;
}

function parseStatement(sql: string): StatementLabels {
  const text = sql.trimStart().toLowerCase();
  if (TRANSACTION.test(text)) return { operation: 'transaction', table: 'none' };
  const verb = /^[a-z]+/.exec(text)?.[0] ?? 'other';
  const operation = ['select', 'insert', 'update', 'delete', 'with'].includes(verb) ? verb : 'other';
  const table = TABLE_AFTER.exec(text)?.[1]?.slice(0, 63) ?? 'none';
  return { operation, table };
}
