import { Inject, Injectable } from '@nestjs/common';
import pino, { type Logger as PinoLogger } from 'pino';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { logDatasets } from './log-names';
import { LogShipping } from './log-shipping';
import { ecsLoggerOptions } from './logger.options';

export type AuditOutcome = 'success' | 'failure' | 'unknown';

/**
 * The audit stream: one line per business event (order created, payment captured, order cancelled…), in
 * ECS (`event.kind: event`, `event.action`, `event.outcome`) under its own `event.dataset` and its own
 * data stream, separate from diagnostic logs, so it can be kept longer and searched on its own.
 */
@Injectable()
export class AuditLog {
  private readonly logger: PinoLogger;
  private readonly dataset: string;

  constructor(@Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions, shipping: LogShipping) {
    this.dataset = logDatasets(options.serviceName).audit.dataset;
    // Business events are kept whatever the diagnostic level, unless logging is silenced altogether.
    const level = options.logging.level === 'silent' ? 'silent' : 'info';
    this.logger = pino({ ...ecsLoggerOptions(options, this.dataset), level }, shipping.destination('audit'));
  }

  record(action: string, fields: Record<string, unknown>, outcome: AuditOutcome = 'success'): void {
    this.logger.info(
      {
        ...fields,
        'event.kind': 'event',
        'event.category': ['process'],
        'event.action': action,
        'event.outcome': outcome,
      },
      action.replace(/-/g, ' '),
    );
  }
}
