import type { FactoryProvider } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { LogShipping } from './log-shipping';
import { appLoggerOptions } from './logger.options';

/**
 * `pino.Logger`: the application's one logger, behind nestjs-pino's `Logger`/`PinoLogger` too, which the
 * access line (`AccessLog`) is written with: ECS, request and trace fields from the context, log sampling.
 */
export const APP_LOGGER = Symbol('OBSERVABILITY_APP_LOGGER');

export const appLoggerProvider: FactoryProvider<Logger> = {
  provide: APP_LOGGER,
  useFactory: (options: ResolvedObservabilityOptions, shipping: LogShipping) =>
    pino(appLoggerOptions(options, options.logging.samplingRatio), shipping.destination('app')),
  inject: [RESOLVED_OPTIONS, LogShipping],
};
