import type { OpenApiDocument } from './openapi-document';

/** A small document in the shape @nestjs/swagger writes: a public catalog and a secured order route. */
export const SAMPLE_DOCUMENT: OpenApiDocument = {
  openapi: '3.0.0',
  paths: {
    '/things': {
      get: {
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 10 },
          },
        ],
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingPage' } } } },
        },
      },
      post: {
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewThing' } } },
        },
        responses: {
          '202': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '401': {},
        },
        security: [{ bearer: [] }],
      },
    },
    '/things/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '403': {},
        },
        security: [{ bearer: [] }],
      },
    },
    '/health/ready': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { type: 'object', required: ['status'] } } } },
          '503': { content: { 'application/json': { schema: { type: 'object', required: ['status'] } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Label: { type: 'object', properties: { text: { type: 'string', example: 'red' } }, required: ['text'] },
      NewThing: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[A-Z][a-z]{1,8}$', example: 'Widget' },
          count: { type: 'integer', minimum: 1, maximum: 100, example: 2 },
          delayMs: { type: 'integer', minimum: 0, maximum: 60000 },
          kind: { type: 'string', enum: ['a', 'b'] },
          labels: { type: 'array', minItems: 1, maxItems: 5, items: { $ref: '#/components/schemas/Label' } },
        },
        required: ['name', 'count', 'kind'],
      },
      Thing: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          name: { type: 'string' },
          reason: { type: 'string', nullable: true },
          label: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Label' }] },
        },
        required: ['id', 'name', 'reason'],
      },
      ThingPage: {
        type: 'object',
        properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
        required: ['items'],
      },
    },
  },
};
