import { connect, createServer, type Socket } from 'node:net';

export interface ConnectionGate {
  /** `host:port` to connect to instead of the server's. */
  address: string;
  /** Resolves once the gate opened; rejects when `timeoutMs` passed first. */
  opened: Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of PostgreSQL that lets each connection open its session (the startup message;
 * with trust authentication the server answers it at once) and holds what the client sends next, its
 * first statement, until `count` connections wait so; then it lets them all through at once and forwards
 * both ways from then on. Processes that boot at their own pace thus send their first statements at the
 * same moment, without hitting a connection timeout while they wait.
 */
export async function startConnectionGate(
  target: { host: string; port: number },
  count: number,
  timeoutMs: number,
): Promise<ConnectionGate> {
  const sockets = new Set<Socket>();
  const waiting: Array<() => void> = [];
  let isOpen = false;
  let open!: () => void;
  let fail!: (error: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  opened.catch(() => undefined); // the caller observes it too
  const release = () => {
    isOpen = true;
    clearTimeout(timer);
    for (const letThrough of waiting) letThrough();
  };
  // Too few came: let those in anyway (the processes then start as they would), and say so.
  const timer = setTimeout(() => {
    fail(new Error(`only ${waiting.length} of ${count} connections reached the gate in ${timeoutMs} ms`));
    release();
  }, timeoutMs);

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let started = false;
    let held = false;
    client.on('data', (chunk: Buffer) => {
      if (held) {
        pending = Buffer.concat([pending, chunk]);
        return;
      }
      if (started) {
        upstream.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
      // The startup message goes through; whatever follows waits for the gate.
      const length = pending.readInt32BE(0);
      upstream.write(pending.subarray(0, length));
      pending = pending.subarray(length);
      started = true;
      if (isOpen) {
        if (pending.length > 0) upstream.write(pending);
        return;
      }
      held = true;
      waiting.push(() => {
        held = false;
        if (pending.length > 0) upstream.write(pending);
        pending = Buffer.alloc(0);
      });
      if (waiting.length < count) return;
      release();
      open();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    opened,
    async close() {
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
