import type { LaunchOptions } from '../../tooling/processes';

/**
 * Everything a benchmark starts (child processes, databases, local servers) is registered here as it
 * is created and released in reverse order when the benchmark ends, fails, or the run is interrupted.
 */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<void> }> = [];
  private static readonly open = new Set<Teardown>();

  constructor() {
    Teardown.open.add(this);
  }

  /** Registers a release step; returns a function that runs it early (and only once). */
  defer(name: string, run: () => Promise<void> | void): () => Promise<void> {
    let done = false;
    const step = {
      name,
      run: async () => {
        if (done) return;
        done = true;
        await run();
      },
    };
    this.steps.push(step);
    return step.run;
  }

  /** Releases everything registered, newest first; a failing step does not stop the others. */
  async close(): Promise<void> {
    Teardown.open.delete(this);
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`  cleanup "${step.name}" failed: ${String(error)}`);
      }
    }
  }

  /** Releases every open teardown (Ctrl-C, fatal errors). */
  static async closeAll(): Promise<void> {
    for (const teardown of [...Teardown.open].reverse()) await teardown.close();
  }
}

/**
 * How a benchmark starts a process: stopped by `teardown` (SIGKILL 3 s after SIGTERM), its stdout dropped,
 * the last 8 kB of its stderr kept for error messages.
 */
export function benchChild(teardown: Teardown): LaunchOptions {
  return { teardown, stdout: 'ignore', outputTail: 8_192, killAfterMs: 3_000 };
}

/** Ctrl-C or SIGTERM: release everything, then exit with the conventional code. */
export function releaseOnSignals(): void {
  let releasing = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (releasing) return;
      releasing = true;
      console.error(`\n${signal}: stopping child processes and dropping benchmark databases…`);
      void Teardown.closeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
