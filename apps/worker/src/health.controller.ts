import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { TemporalWorkerService } from './temporal-worker.service';

/** Probes on the management port: live while the process answers, ready while the worker polls. */
@Controller('health')
export class HealthController {
  constructor(private readonly worker: TemporalWorkerService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): { status: 'ok'; worker: string } {
    const worker = this.worker.state();
    if (worker !== 'RUNNING') throw new ServiceUnavailableException({ status: 'unavailable', worker });
    return { status: 'ok', worker };
  }
}
