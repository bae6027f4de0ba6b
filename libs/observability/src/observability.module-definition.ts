import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ObservabilityModuleOptions } from './observability.options';

export interface ObservabilityModuleExtras {
  /** Serve `/metrics` on the application's own HTTP server too (a management port, like the worker's). */
  metricsRoute?: boolean;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<ObservabilityModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras<ObservabilityModuleExtras>({ metricsRoute: false }, (definition) => definition)
    .build();
