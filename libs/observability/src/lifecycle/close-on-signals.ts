export interface Closable {
  close(): Promise<void>;
}

/**
 * On the first SIGTERM or SIGINT, runs `close` once and exits: 0 when it finished, 1 when it threw.
 * Repeated signals while closing are ignored, so a second Ctrl-C cannot cut a drain short.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  log: (message: string) => void = console.log,
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log(`${signal} received, shutting down`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
