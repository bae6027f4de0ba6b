import { LIVENESS_PATH } from '@app/observability';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';

type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

/** Where Terminus answers readiness (HealthController of libs/observability). */
const READINESS_PATH = '/health/ready';

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

const json = (description: string, schema: Schema) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * Documents the probes of libs/observability (which knows nothing of OpenAPI) as Kubernetes reads
 * them: liveness, a plain adapter route outside Nest's router (LivenessRoute), added here; readiness,
 * Terminus's JSON, with a 503 while a dependency is down or the process drains.
 */
export function documentProbes(document: OpenAPIObject): OpenAPIObject {
  const probe = (operation: Omit<OperationObject, 'tags'>): OperationObject => ({
    ...operation,
    tags: ['health'],
  });
  const ready = document.paths[READINESS_PATH]?.get;
  if (ready)
    document.paths[READINESS_PATH].get = probe({
      ...ready,
      operationId: 'checkReadiness',
      summary: 'Readiness: the process can take work (the database answers, the process is not draining)',
      responses: {
        '200': json('Ready to take work', HEALTH_CHECK_RESULT),
        '503': json(
          'Not ready: a dependency (the database) is down, or the process is shutting down',
          HEALTH_CHECK_RESULT,
        ),
      },
    });
  document.paths[LIVENESS_PATH] = {
    get: probe({
      operationId: 'checkLiveness',
      summary: 'Liveness: the process answers (no dependency is checked)',
      responses: {
        '200': json('Alive, also while shutting down', { type: 'object' }),
      },
    }),
  };
  return document;
}
