import { SAMPLE_DOCUMENT } from './openapi-document.fixture';
import { operationsOf } from './openapi-document';

describe('operationsOf', () => {
  const operations = operationsOf(SAMPLE_DOCUMENT);
  const byKey = new Map(operations.map((o) => [o.key, o]));

  it('lists every route and method of the document', () => {
    expect(operations.map((o) => o.key)).toEqual([
      'GET /things',
      'POST /things',
      'GET /things/{id}',
      'GET /health/ready',
    ]);
  });

  it('sorts parameters by where they go and says which operations need a token', () => {
    const post = byKey.get('POST /things')!;
    expect(post.headerParameters.map((p) => p.name)).toEqual(['Idempotency-Key']);
    expect(post.secured).toBe(true);
    expect(byKey.get('GET /things')!.secured).toBe(false);
    expect(byKey.get('GET /things/{id}')!.pathParameters[0].schema).toEqual({
      type: 'string',
      format: 'uuid',
    });
    expect(byKey.get('GET /things')!.queryParameters.map((p) => p.name)).toEqual(['limit']);
  });

  it('resolves references and folds allOf into one schema', () => {
    const thing = byKey.get('GET /things/{id}')!.jsonResponses.get(200)!;
    expect(thing.properties?.label).toEqual({
      nullable: true,
      type: 'object',
      properties: { text: { type: 'string', example: 'red' } },
      required: ['text'],
    });
    const body = byKey.get('POST /things')!.body!;
    expect(body.required).toBe(true);
    expect(body.schema.properties?.labels.items?.required).toEqual(['text']);
  });

  it('keeps the documented statuses, and the JSON schema of errors that have their own', () => {
    const ready = byKey.get('GET /health/ready')!;
    expect(ready.statuses).toEqual([200, 503]);
    expect([...ready.jsonResponses.keys()]).toEqual([200, 503]);
  });

  it('reads OpenAPI 3.1\'s "or null" (a type list, anyOf with null) as nullable', () => {
    const document = {
      openapi: '3.1.0',
      paths: {
        '/things/{id}': {
          get: {
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        reason: { type: ['string', 'null'] },
                        label: { anyOf: [{ $ref: '#/components/schemas/Label' }, { type: 'null' }] },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      components: { schemas: { Label: { type: 'object', properties: { text: { type: 'string' } } } } },
    } as never;
    const thing = operationsOf(document)[0].jsonResponses.get(200)!;
    expect(thing.properties).toEqual({
      reason: { type: 'string', nullable: true },
      label: { nullable: true, type: 'object', properties: { text: { type: 'string' } }, required: [] },
    });
  });

  it('refuses what is not an OpenAPI 3 document', () => {
    expect(() => operationsOf({ swagger: '2.0' } as never)).toThrow('not an OpenAPI 3 document');
  });
});
