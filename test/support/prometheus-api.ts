/** The parts of Prometheus' HTTP API the tests read, typed. */
export interface Target {
  health: 'up' | 'down' | 'unknown';
  scrapeUrl: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

export interface TargetsData {
  activeTargets: Target[];
  droppedTargets: Array<Pick<Target, 'discoveredLabels'>>;
}

export interface Alert {
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function get<T>(url: string): Promise<T> {
  const body = (await (await fetch(url)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error}`);
  return body.data;
}

export const prometheusTargets = (baseUrl: string) => get<TargetsData>(`${baseUrl}/api/v1/targets`);
export const prometheusAlerts = async (baseUrl: string) =>
  (await get<{ alerts: Alert[] }>(`${baseUrl}/api/v1/alerts`)).alerts;
export const prometheusQuery = async (baseUrl: string, expr: string) =>
  (await get<{ result: Sample[] }>(`${baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

/** An alert as Alertmanager's API v2 (`GET /api/v2/alerts`) returns it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The receivers its route sends it to. */
  receivers: Array<{ name: string }>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  startsAt: string;
  endsAt: string;
}

/** The alerts an Alertmanager holds (active, suppressed and unprocessed; not the resolved ones). */
export async function alertmanagerAlerts(baseUrl: string): Promise<AlertmanagerAlert[]> {
  const response = await fetch(`${baseUrl}/api/v2/alerts`);
  if (!response.ok) throw new Error(`${baseUrl}/api/v2/alerts: ${response.status} ${await response.text()}`);
  return (await response.json()) as AlertmanagerAlert[];
}
