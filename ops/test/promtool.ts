import { spawnSync } from 'node:child_process';
import { requireServer, type RealServer } from '../../test/support/real-servers';

export interface ToolResult {
  status: number | null;
  output: string;
}

/** Runs a Prometheus tool (promtool 3, amtool) and returns its exit status and combined output. */
export function runTool(tool: RealServer, args: string[], cwd: string, input?: string): ToolResult {
  const result = spawnSync(requireServer(tool), args, { cwd, input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`${tool} could not run (${result.error.message})`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
