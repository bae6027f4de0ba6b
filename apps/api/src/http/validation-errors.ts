import type { ValidationError } from 'class-validator';
import { ApiError } from './api-error';
import type { FieldProblem } from './problem-details';

/** Flattens class-validator's tree into one problem per field, with dotted paths (`items.0.sku`). */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = error.property ? `${prefix}${error.property}` : prefix.replace(/\.$/, '') || 'body';
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: humanize(message, error.property),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], `${field}.`)];
  });
}

/** class-validator phrases messages with the bare property name; make them refer to the field itself. */
function humanize(message: string, property: string): string {
  if (message.startsWith('an unknown value was passed')) return 'must be a JSON object';
  if (message === `property ${property} should not exist`) return 'is not an accepted field';
  return property && message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

export function validationFailed(errors: ValidationError[]): ApiError {
  return new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', flattenValidationErrors(errors));
}
