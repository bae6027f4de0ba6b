import { spawnSync } from 'node:child_process';

export interface ToolResult {
  status: number | null;
  output: string;
}

/** Runs a Prometheus tool (promtool, amtool) and returns its exit status and combined output. */
export function runTool(tool: string, args: string[], cwd: string, input?: string): ToolResult {
  const result = spawnSync(tool, args, { cwd, input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`${tool} could not run (${result.error.message}); .ci/run installs it`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
