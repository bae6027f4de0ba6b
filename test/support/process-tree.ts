import { execFileSync } from 'node:child_process';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The command line, as `ps` shows it. */
  command: string;
}

function allProcesses(): ProcessEntry[] {
  const listing = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  return listing
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && !match[3].startsWith('Z')) // exited, not yet reaped
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), command: match[4] }));
}

/** Every live process started under `pid`: its children, their children, and so on. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const processes = allProcesses();
  const found: ProcessEntry[] = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = processes.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/** Which of `pids` are still running (exited processes not yet reaped count as gone). */
export function stillRunning(pids: number[]): number[] {
  const running = new Set(allProcesses().map((entry) => entry.pid));
  return pids.filter((pid) => running.has(pid));
}
