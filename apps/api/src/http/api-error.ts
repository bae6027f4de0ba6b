import { HttpException } from '@nestjs/common';
import type { ErrorCode } from './error-codes';
import type { FieldProblem, Problem } from './problem-details';

/**
 * An error the API answers as it is: its status, code (one of `ERROR_CODES`), detail and field problems.
 * The exception filter renders it as problem details for the request it failed.
 */
export class ApiError extends HttpException {
  readonly problem: Problem;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    fieldProblems?: FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super(message, status, options);
    this.problem = { status, code, detail: message, ...(fieldProblems && { errors: fieldProblems }) };
  }
}
