import { ORDER_SEARCH_ATTRIBUTES } from '@app/order-saga';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';

type OperatorService = NativeConnection['operatorService'];

const { IndexedValueType } = temporal.api.enums.v1;

/** The order attributes and the index type each needs, as Temporal's API names them. */
const REQUIRED = Object.values(ORDER_SEARCH_ATTRIBUTES).map((key) => ({
  name: key.name,
  type: IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
}));

const ATTEMPTS = 5;

/**
 * Registers the order workflows' search attributes that the namespace lacks, and returns their names.
 * Workers starting together may each try to add them: whatever a failed add means (another worker added
 * them first, a conflicting update), the namespace is listed again and only what is still missing is
 * added, a few times over. An attribute registered under another type is an error an operator must fix.
 */
export async function registerOrderSearchAttributes(
  operator: OperatorService,
  namespace: string,
): Promise<string[]> {
  const added: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const missing = await missingAttributes(operator, namespace);
    if (missing.length === 0) return added;
    try {
      await operator.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(({ name, type }) => [name, type])),
      });
      added.push(...missing.map(({ name }) => name));
    } catch (error) {
      if (attempt >= ATTEMPTS) {
        throw new Error(
          `cannot register the search attributes ${missing.map(({ name }) => name).join(', ')} on namespace ${namespace}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

async function missingAttributes(operator: OperatorService, namespace: string) {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const existing = new Map(
    Object.entries(customAttributes ?? {}).map(([name, type]) => [name, Number(type)]),
  );
  const wrong = REQUIRED.filter(({ name, type }) => existing.has(name) && existing.get(name) !== type);
  if (wrong.length > 0) {
    throw new Error(
      `namespace ${namespace} has the search attributes ${wrong.map(({ name }) => name).join(', ')} under another type than the order workflows need (${wrong.map(({ name, type }) => `${name}: ${IndexedValueType[type]}`).join(', ')})`,
    );
  }
  return REQUIRED.filter(({ name }) => !existing.has(name));
}
