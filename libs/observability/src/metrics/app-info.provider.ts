import type { Provider } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { APP_INFO_METRIC } from './metric-names';

/**
 * `app_info{service,version,environment,runtime_version} 1`: joins any series to the build that produced it
 * and the Node.js release it runs on.
 */
export const appInfoProvider: Provider = makeGaugeProvider({
  name: APP_INFO_METRIC,
  help: 'Build and deployment information of this process (always 1)',
  labelNames: ['service', 'version', 'environment', 'runtime_version'],
  inject: [RESOLVED_OPTIONS],
  collect(this: Gauge, options: ResolvedObservabilityOptions) {
    this.set(
      {
        service: options.serviceName,
        version: options.serviceVersion,
        environment: options.environment,
        runtime_version: process.versions.node,
      },
      1,
    );
  },
});
