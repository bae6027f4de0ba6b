import { spawn, spawnSync } from 'node:child_process';
import { requireServer, type RealServer } from '../../tooling/real-servers';

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

/** The same without blocking, so that long runs (promtool test rules) can go side by side. */
export function runToolAsync(tool: RealServer, args: string[], cwd: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireServer(tool), args, { cwd });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new Error(`${tool} could not run (${error.message})`)));
    child.on('close', (status) => resolve({ status, output }));
  });
}
