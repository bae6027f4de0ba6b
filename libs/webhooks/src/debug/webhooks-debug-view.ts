import { DebugVars } from '@app/observability';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { WebhookDeliveries } from '../delivery/webhook-deliveries.repository';
import type { DeliveryStatus } from '../delivery/webhook-delivery.types';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher.service';
import { WebhookEndpointsRepository } from '../endpoints/webhook-endpoints.repository';

/** The name of the section in `/debug/vars`. */
export const WEBHOOKS_DEBUG_SECTION = 'webhooks';

/**
 * The `webhooks` section of `/debug/vars` on the management port, the counterpart of a notification endpoint's
 * view. Per endpoint: its id, whether it is enabled, its host (never the path or query: they may carry a
 * token), its events by status from the database (all replicas: events, pending, delivered, dead, the
 * oldest pending age), and this process's circuit, attempts in flight, outcomes since start (successes,
 * failures, errors, status codes) and last failures with their error messages. No secrets.
 */
@Injectable()
export class WebhooksDebugView implements OnModuleInit {
  constructor(
    private readonly debugVars: DebugVars,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  onModuleInit(): void {
    this.debugVars.register(WEBHOOKS_DEBUG_SECTION, () => this.snapshot());
  }

  async snapshot() {
    const [endpoints, backlog, totals] = await Promise.all([
      this.endpoints.overview(),
      this.deliveries.backlog(),
      this.deliveries.countsByStatus(),
    ]);
    const pending = new Map(backlog.map((row) => [row.endpointId, row]));
    const count = (endpointId: string, status?: DeliveryStatus) =>
      totals
        .filter((row) => row.endpointId === endpointId && (!status || row.status === status))
        .reduce((sum, row) => sum + row.count, 0);
    const states = this.dispatcher.endpointStates();
    return {
      endpoints: endpoints.map((endpoint) => {
        const state = states.get(endpoint.id);
        const probeAt = state?.circuit.probeAt;
        return {
          id: endpoint.id,
          enabled: endpoint.enabled,
          host: hostOf(endpoint.url),
          eventTypes: endpoint.eventTypes,
          events: count(endpoint.id),
          pending: pending.get(endpoint.id)?.pending ?? 0,
          delivered: count(endpoint.id, 'delivered'),
          dead: count(endpoint.id, 'dead'),
          oldestPendingAgeSeconds: pending.get(endpoint.id)?.oldestPendingAgeSeconds ?? 0,
          circuit: {
            state: state?.circuit.state ?? 'closed',
            consecutiveFailures: state?.circuit.consecutiveFailures ?? 0,
            ...(probeAt ? { probeAt: new Date(probeAt).toISOString() } : {}),
          },
          inFlight: state?.inFlight ?? 0,
          successes: state?.counts.success ?? 0,
          failures: state?.counts.failure ?? 0,
          errors: state?.counts.error ?? 0,
          statuses: { ...state?.statuses },
          recentFailures: state?.recentFailures() ?? [],
        };
      }),
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
