import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath, type ContentObject } from '@nestjs/swagger';
import { ProblemDetailsSchema } from './problem-details.schema';
import { headerRefs, type ResponseHeaderName } from './response-headers';

/** The error statuses a route documents; anything else falls under the document's `default` response. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** One documented error answer of a route. */
export interface ProblemResponse {
  status: ProblemStatus;
  /** What the status means on this route, with its codes; the status's general meaning otherwise. */
  description?: string;
  /** Headers the answer carries besides the status's own (`Retry-After`, `WWW-Authenticate`). */
  headers?: ResponseHeaderName[];
}

/** What each status means wherever it is answered, and the headers that always come with it. */
const GENERAL: Record<ProblemStatus, { description: string; headers?: ResponseHeaderName[] }> = {
  400: {
    description:
      'The request is not valid (VALIDATION_FAILED): `errors` names each field, parameter or header and ' +
      'what is wrong with it',
  },
  401: {
    description:
      'No valid bearer token: none was sent (AUTHENTICATION_REQUIRED), it is not valid (INVALID_TOKEN) or it ' +
      'was sent in the URL (INVALID_REQUEST); `WWW-Authenticate` says which',
    headers: ['WWW-Authenticate'],
  },
  403: {
    description: 'The token lacks the `orders:admin` scope (INSUFFICIENT_SCOPE)',
    headers: ['WWW-Authenticate'],
  },
  404: { description: 'No such resource' },
  409: { description: 'Refused in the resource’s current state' },
  413: {
    description:
      'The body is larger than the API takes (PAYLOAD_TOO_LARGE; BODY_LIMIT_BYTES, 1 MiB by default)',
  },
  415: {
    description: 'The body is not JSON (UNSUPPORTED_MEDIA_TYPE): send it as `application/json`',
  },
  422: { description: 'Well-formed, but refused' },
  429: {
    description: 'Too many requests (RATE_LIMITED); `Retry-After` says when to try again',
    headers: ['Retry-After'],
  },
  503: {
    description: 'A dependency is unavailable; retry after `Retry-After` seconds',
    headers: ['Retry-After'],
  },
};

/** The answers of every route that takes a JSON body: too large, or not JSON. */
export const JSON_BODY_PROBLEMS: readonly ProblemStatus[] = [413, 415];

/** What a route may wait on, with the code its absence is answered with. */
const DEPENDENCIES = {
  database: 'the database (DATABASE_UNAVAILABLE)',
  'token issuer': "the token issuer's signing keys, with AUTH_JWKS_URL (AUTHENTICATION_UNAVAILABLE)",
  'workflow engine': 'the workflow engine (WORKFLOW_ENGINE_UNAVAILABLE)',
} as const;

/** The 503 of a route that needs these dependencies: which of them, by code, and what to do. */
export function unavailable(
  dependencies: ReadonlyArray<keyof typeof DEPENDENCIES>,
  advice = 'retry after `Retry-After` seconds',
): ProblemResponse {
  const named = dependencies.map((dependency) => DEPENDENCIES[dependency]);
  const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named.at(-1)}` : named[0];
  return { status: 503, description: `Unavailable: ${list}; ${advice}` };
}

/** Problem details, in both media types an error answer can have. */
export function problemContent(): ContentObject {
  const schema = { $ref: getSchemaPath(ProblemDetailsSchema) };
  return { 'application/problem+json': { schema }, 'application/json': { schema } };
}

/**
 * Documents a route's (or, on a controller, every route's) error answers as problem details: each
 * status with its meaning (the general one unless a description is given) and its headers.
 *
 *   @ProblemResponses(400, { status: 404, description: 'No such order (ORDER_NOT_FOUND)' }, 503)
 */
export function ProblemResponses(
  ...responses: ReadonlyArray<ProblemStatus | ProblemResponse>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema),
    ...responses.map((response) => {
      const {
        status,
        description,
        headers = [],
      } = typeof response === 'number' ? { status: response } : response;
      const general = GENERAL[status];
      const names = [...new Set([...(general.headers ?? []), ...headers])];
      return ApiResponse({
        status,
        description: description ?? general.description,
        ...(names.length > 0 && { headers: headerRefs(...names) }),
        content: problemContent(),
      });
    }),
  );
}
