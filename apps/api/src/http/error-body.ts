import { STATUS_CODES } from 'node:http';

export interface FieldProblem {
  /** Path of the offending field (`items.0.quantity`), or a header / parameter name. */
  field: string;
  message: string;
}

/** The one JSON shape of every error response. Never carries stack traces, SQL or submitted values. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: FieldProblem[];
}

export function errorBody(
  statusCode: number,
  code: string,
  message: string,
  details?: FieldProblem[],
): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message,
    ...(details ? { details } : {}),
  };
}
