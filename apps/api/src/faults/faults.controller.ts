import type { Principal } from '@app/auth';
import { FaultInjectionService, type FaultInjectionState } from '@app/fault-injection';
import { AuditLog } from '@app/observability';
import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { JSON_BODY_PROBLEMS, ProblemResponses, unavailable } from '../openapi/problem-responses.decorator';
import { FaultInjectionResponse, FaultOverridesDto } from './dto/fault-overrides.dto';

/**
 * Operators switch faults on and off at run time (payment declines, outage and latency, carrier failures
 * and latency, slow database statements). Every API and worker process applies them within one refresh
 * interval; each change is an audit event naming the operator (the token's `sub`).
 */
@ApiTags('operations')
@OperatorRoute()
@Controller('admin/faults')
export class FaultsController {
  constructor(
    private readonly faults: FaultInjectionService,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getFaultInjection', summary: 'Faults configured, overridden and in force' })
  @ApiOkResponse({ type: FaultInjectionResponse, description: 'The faults of every process' })
  @ProblemResponses(unavailable(['token issuer']))
  read(): FaultInjectionState {
    return this.faults.state();
  }

  @Put()
  @ApiOperation({
    operationId: 'replaceFaultOverrides',
    summary: 'Replace the run-time fault overrides (optionally for a limited time)',
  })
  @ApiOkResponse({
    type: FaultInjectionResponse,
    description: 'The faults now; every process applies them within one refresh interval',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'A field is not valid (VALIDATION_FAILED; `errors` names each), or the body is not readable JSON ' +
        '(BAD_REQUEST)',
    },
    ...JSON_BODY_PROBLEMS,
    unavailable(['database', 'token issuer']),
  )
  async replace(
    @Caller() operator: Principal,
    @Body() body: FaultOverridesDto,
  ): Promise<FaultInjectionState> {
    const { durationSeconds, ...overrides } = body;
    const state = await this.faults.set(overrides, durationSeconds);
    this.audit.record('fault-injection-changed', {
      'user.id': operator.subject,
      'fault_injection.active': state.active,
      'fault_injection.overrides': JSON.stringify(state.overrides),
      'fault_injection.expires_at': state.expiresAt,
    });
    return state;
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'clearFaultOverrides',
    summary: 'Clear the run-time overrides: back to the configured settings',
  })
  @ApiOkResponse({ type: FaultInjectionResponse, description: 'The configured faults, in force again' })
  @ProblemResponses(unavailable(['database', 'token issuer']))
  async clear(@Caller() operator: Principal): Promise<FaultInjectionState> {
    const state = await this.faults.clear();
    this.audit.record('fault-injection-cleared', {
      'user.id': operator.subject,
      'fault_injection.active': state.active,
    });
    return state;
  }
}
