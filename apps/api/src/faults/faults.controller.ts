import { FaultInjectionService, type FaultInjectionState } from '@app/fault-injection';
import { AuditLog } from '@app/observability';
import { Body, Controller, Delete, Get, HttpCode, Put, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorApiKeyGuard } from '../http/operator-api-key.guard';
import { FaultInjectionResponse, FaultOverridesDto } from './dto/fault-overrides.dto';

/**
 * Operators switch faults on and off at run time (payment declines, outage and latency, carrier failures
 * and latency, slow database statements). Every API and worker process applies them within one refresh
 * interval; each change is an audit event.
 */
@ApiTags('operations')
@ApiHeader({ name: 'X-Api-Key', required: true, description: 'Operator API key' })
@UseGuards(OperatorApiKeyGuard)
@Controller('admin/faults')
export class FaultsController {
  constructor(
    private readonly faults: FaultInjectionService,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Faults configured, overridden and in force' })
  @ApiOkResponse({ type: FaultInjectionResponse })
  read(): FaultInjectionState {
    return this.faults.state();
  }

  @Put()
  @ApiOperation({ summary: 'Replace the run-time fault overrides (optionally for a limited time)' })
  @ApiOkResponse({ type: FaultInjectionResponse })
  async replace(@Body() body: FaultOverridesDto): Promise<FaultInjectionState> {
    const { durationSeconds, ...overrides } = body;
    const state = await this.faults.set(overrides, durationSeconds);
    this.audit.record('fault-injection-changed', {
      'fault_injection.active': state.active,
      'fault_injection.overrides': JSON.stringify(state.overrides),
      'fault_injection.expires_at': state.expiresAt,
    });
    return state;
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Clear the run-time overrides: back to the configured settings' })
  @ApiOkResponse({ type: FaultInjectionResponse })
  async clear(): Promise<FaultInjectionState> {
    const state = await this.faults.clear();
    this.audit.record('fault-injection-cleared', { 'fault_injection.active': state.active });
    return state;
  }
}
