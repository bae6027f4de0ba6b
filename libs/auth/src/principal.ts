/** Who a verified token speaks for: the customer (or operator) id from `sub`, and the scopes it grants. */
export interface Principal {
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
}
