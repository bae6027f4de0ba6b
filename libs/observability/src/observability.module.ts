import { Module } from '@nestjs/common';

/**
 * Metrics, traces, logs and health for any Nest application. The module is the single place the
 * observability stack is wired; its providers arrive with the observability work (SPEC §6).
 */
@Module({})
export class ObservabilityModule {}
