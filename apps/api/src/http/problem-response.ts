import type { IncomingHttpHeaders } from 'node:http';
import { problemDetails, type Problem } from './problem-details';
import { problemMediaType } from './problem-media-type';

/** The request a problem answers, as far as it is known. */
export interface ProblemRequest {
  /** `PROBLEM_TYPE_BASE`. */
  typeBase: string;
  /** Path and query; unknown when the request could not be parsed. */
  url?: string;
  /** Unknown when the request could not be parsed: the answer is then problem details. */
  headers?: IncomingHttpHeaders;
  traceId?: string;
}

/** An error answer ready to write: its content type and its bytes. */
export interface ProblemResponse {
  contentType: string;
  /** Bytes, not a string: Fastify would append a charset to `application/problem+json`. */
  payload: Buffer;
}

/** Renders `problem` as the answer to `request`: problem details in the media type its `Accept` asks for. */
export function problemResponse(problem: Problem, request: ProblemRequest): ProblemResponse {
  const body = problemDetails(problem, request);
  return {
    contentType: problemMediaType(request.headers?.accept),
    payload: Buffer.from(JSON.stringify(body)),
  };
}
