import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** One problem with one part of a request, in a problem's `errors`. */
@ApiSchema({ name: 'FieldProblem' })
export class FieldProblemSchema {
  @ApiProperty({
    example: 'items.0.quantity',
    description: 'Path of the offending body field (`items.0.quantity`), or a header or parameter name',
  })
  field!: string;

  @ApiProperty({ example: 'quantity must not be greater than 1000' })
  message!: string;
}

/**
 * The body of every error answer, documented: RFC 9457 problem details with the API's extension members
 * `code`, `errors` and `traceId`.
 */
@ApiSchema({
  name: 'ProblemDetails',
  description:
    'Every error answer (RFC 9457 problem details), as `application/problem+json`, or as ' +
    '`application/json` when the request’s `Accept` names only `application/json`. Branch on `code`; ' +
    '`type` is the address of the code’s page; `detail` is for people.',
})
export class ProblemDetailsSchema {
  @ApiProperty({
    format: 'uri',
    example: 'https://orders.example/errors/rate-limited',
    description:
      'The problem type: the base URI the API is configured with (PROBLEM_TYPE_BASE) and the code in ' +
      'lower-kebab-case; `about:blank` for a code without a page',
  })
  type!: string;

  @ApiProperty({ example: 'Too many requests', description: 'The code’s one short title' })
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 429, description: 'The HTTP status' })
  status!: number;

  @ApiProperty({
    example: 'At most 60 orders per minute; retry in 12 s',
    description: 'What went wrong with this request, for a person to read',
  })
  detail!: string;

  @ApiPropertyOptional({
    format: 'uri-reference',
    example: '/orders',
    description: 'The request’s path, without its query string',
  })
  instance?: string;

  @ApiProperty({
    pattern: '^[A-Z][A-Z0-9_]*$',
    example: 'RATE_LIMITED',
    description:
      'What went wrong, for a program to branch on (VALIDATION_FAILED, ORDER_NOT_FOUND, RATE_LIMITED, …); ' +
      'stable across versions',
  })
  code!: string;

  @ApiPropertyOptional({
    type: [FieldProblemSchema],
    description: 'Each bad body field, parameter or header; only when there are any',
  })
  errors?: FieldProblemSchema[];

  @ApiPropertyOptional({
    pattern: '^[0-9a-f]{32}$',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description: 'The trace of the request, when it has a trace context: quote it when reporting a problem',
  })
  traceId?: string;
}
