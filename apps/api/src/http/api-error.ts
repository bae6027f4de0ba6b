import { HttpException } from '@nestjs/common';
import { errorBody, type FieldProblem } from './error-body';

/** An HttpException whose response is already the API's error body. */
export class ApiError extends HttpException {
  constructor(
    statusCode: number,
    code: string,
    message: string,
    details?: FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super(errorBody(statusCode, code, message, details), statusCode, options);
  }
}
