import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../tooling/repo-root';

const DASHBOARDS = path.join(REPO_ROOT, 'ops/grafana/dashboards');

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

/** Every PromQL query of every provisioned Grafana dashboard, with its dashboard and panel titles. */
export function dashboardQueries(): PanelQuery[] {
  return readdirSync(DASHBOARDS).flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8'));
    return dashboard.panels.flatMap((panel: any) =>
      panel.targets.map((target: any) => ({
        dashboard: dashboard.title,
        panel: panel.title,
        expr: target.expr as string,
      })),
    );
  });
}

/** A query with its template variables as Grafana substitutes them with "All" selected. */
export const withAllSelected = (expr: string) =>
  expr.replace(/\$__rate_interval/g, '1m').replace(/\$(job|route|instance|endpoint)\b/g, '.+');
