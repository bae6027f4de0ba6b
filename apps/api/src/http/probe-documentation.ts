import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

/** Terminus's body, the same for 200 and 503: each check's status under `info` (up) or `error` (down). */
const HEALTH_CHECK_RESULT: Schema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['status', 'info', 'error', 'details'],
};

/**
 * Documents the probes of libs/observability (which knows nothing of OpenAPI) as Kubernetes reads
 * them: Terminus's JSON, and for readiness a 503 while a dependency is down or the process drains.
 */
export function documentProbes(document: OpenAPIObject): OpenAPIObject {
  const json = (description: string) => ({
    description,
    content: { 'application/json': { schema: HEALTH_CHECK_RESULT } },
  });
  const live = document.paths['/health/live']?.get;
  const ready = document.paths['/health/ready']?.get;
  if (live) live.responses = { '200': json('The process answers') };
  if (ready)
    ready.responses = {
      '200': json('Ready to take work'),
      '503': json('Not ready: a dependency (the database) is down, or the process is shutting down'),
    };
  return document;
}
