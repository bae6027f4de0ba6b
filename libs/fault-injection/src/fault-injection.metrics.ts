import { makeGaugeProvider } from '@app/observability';
import type { Provider } from '@nestjs/common';

export const FAULT_METRICS = {
  active: 'fault_injection_active',
} as const;

export const faultMetricProviders: Provider[] = [
  makeGaugeProvider({
    name: FAULT_METRICS.active,
    help: 'Injected faults in force in this process (1) or not (0), by fault',
    labelNames: ['fault'],
  }),
];
