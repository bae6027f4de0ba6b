import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problemOfCode, type Problem } from './problem-details';
import { problemResponse } from './problem-response';

/**
 * Answers what Fastify's router refuses before any hook or handler runs, and so before the exception
 * filter could (Fastify's `frameworkErrors`), as problem details: a path that is not validly
 * percent-encoded (400 `FST_ERR_BAD_URL`) and a path parameter over the router's length limit (414
 * `FST_ERR_MAX_PARAM_LENGTH`). Their codes are the ones Fastify's own answers carried.
 *
 * @param typeBase `PROBLEM_TYPE_BASE`
 */
export function answerFrameworkErrors(
  typeBase: string,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return function answerFrameworkError(error, request, reply) {
    const problem = frameworkProblem(error);
    const { contentType, payload } = problemResponse(problem, {
      typeBase,
      url: request.url,
      headers: request.headers,
    });
    void reply.status(problem.status).header('content-type', contentType).send(payload);
  };
}

function frameworkProblem(error: FastifyError): Problem {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return problemOfCode('FST_ERR_BAD_URL', 'The request path is not validly percent-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problemOfCode('FST_ERR_MAX_PARAM_LENGTH', 'A path parameter is longer than the API reads');
    default: // an asynchronous route constraint failed: the API has none
      return problemOfCode('INTERNAL_ERROR', 'An unexpected error occurred');
  }
}
