export interface StatementLabels {
  operation: string;
  table: string;
}

const TRANSACTION = /^(start|begin|commit|rollback|savepoint|release)\b/;
const TABLE_AFTER =
  /\b(?:from|into|update|join)\s+(?:only\s+)?"?(?:[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/i;

/** Low-cardinality labels for a SQL statement: its verb and the first table it names. */
export function statementLabels(sql: string): StatementLabels {
  const text = sql.trimStart().toLowerCase();
  if (TRANSACTION.test(text)) return { operation: 'transaction', table: 'none' };
  const verb = /^[a-z]+/.exec(text)?.[0] ?? 'other';
  const operation = ['select', 'insert', 'update', 'delete', 'with'].includes(verb) ? verb : 'other';
  const table = TABLE_AFTER.exec(text)?.[1]?.slice(0, 63) ?? 'none';
  return { operation, table };
}
