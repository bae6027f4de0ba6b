import { ReadinessChecks } from '@app/observability';
import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';

/** Readiness includes a ping of the database: no database, no orders. */
@Injectable()
export class DatabaseReadiness implements OnModuleInit {
  constructor(
    private readonly typeOrm: TypeOrmHealthIndicator,
    @Optional() private readonly readiness?: ReadinessChecks,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('database', () => this.typeOrm.pingCheck('database').withTimeout(1500));
  }
}
