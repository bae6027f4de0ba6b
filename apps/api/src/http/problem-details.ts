import { STATUS_CODES } from 'node:http';
import { ERROR_CODES, errorCodeEntry, kebabCode, type ErrorCode } from './error-codes';

/** One problem with one part of a request. */
export interface FieldProblem {
  /** Path of the offending field (`items.0.quantity`), or a header / parameter name. */
  field: string;
  message: string;
}

/**
 * The body of every error answer: RFC 9457 problem details, plus the API's `code`, the field problems
 * (`errors`) and the request's `traceId`. Never carries stack traces, SQL or submitted values.
 */
export interface ProblemDetails {
  /**
   * `PROBLEM_TYPE_BASE` + the code in lower-kebab-case (`https://orders.example/errors/rate-limited`), the
   * address of the code's page; `about:blank` for a code without one (`HTTP_<status>`).
   */
  type: string;
  /** The code's one short title; the status's reason phrase for a code without a page. */
  title: string;
  /** The HTTP status, repeated. */
  status: number;
  /** What went wrong with this request, for a person to read. */
  detail: string;
  /** The request's path, without its query string; absent when the request could not be parsed. */
  instance?: string;
  /** What went wrong, for a program to branch on: `RATE_LIMITED`, `VALIDATION_FAILED`… */
  code: string;
  /** Each bad field, header or parameter; only when there are any. */
  errors?: FieldProblem[];
  /** The request's trace id (32 hex digits) when it was traced. */
  traceId?: string;
}

/** What went wrong, before it is rendered for a request. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: readonly FieldProblem[];
}

/** Where a problem happened: what makes its `type`, `instance` and `traceId`. */
export interface ProblemContext {
  /** `PROBLEM_TYPE_BASE`: an absolute URI ending with `/`. */
  typeBase: string;
  /** The request's URL (path and query) or path; its query is left out. */
  url?: string;
  traceId?: string;
}

/** The problem of a code of the table, with the table's status. */
export function problemOfCode(code: ErrorCode, detail: string, errors?: readonly FieldProblem[]): Problem {
  return { status: ERROR_CODES[code].status, code, detail, ...(errors && { errors }) };
}

/** The one function that builds an error body, whatever path the error took. */
export function problemDetails(problem: Problem, context: ProblemContext): ProblemDetails {
  const entry = errorCodeEntry(problem.code);
  const instance = context.url?.split('?', 1)[0];
  return {
    type: entry ? `${context.typeBase}${kebabCode(problem.code)}` : 'about:blank',
    title: entry?.title ?? STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    ...(instance && { instance }),
    code: problem.code,
    ...(problem.errors?.length
      ? { errors: problem.errors.map(({ field, message }) => ({ field, message })) }
      : {}),
    ...(context.traceId && { traceId: context.traceId }),
  };
}
