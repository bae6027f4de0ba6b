import { Logger } from '@nestjs/common';
import { installTemporalRuntime } from './temporal-runtime';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR2'];

describe('installTemporalRuntime', () => {
  beforeAll(() => Logger.overrideLogger(false));

  const sdkMetricsPort = 30_000 + Math.floor(Math.random() * 20_000);

  it('installs the Temporal runtime without signal handlers, so Nest alone drives shutdown', () => {
    const before = SIGNALS.map((signal) => process.listenerCount(signal));

    const runtime = installTemporalRuntime('warn', `127.0.0.1:${sdkMetricsPort}`);

    expect(runtime.options.shutdownSignals).toEqual([]);
    expect(SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before);
    expect(runtime.logger).toMatchObject({ level: 'WARN' });
  });

  it("serves the Temporal SDK's own Prometheus metrics on their port", async () => {
    const response = await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('keeps the runtime already installed in the process', () => {
    const first = installTemporalRuntime('warn');
    expect(installTemporalRuntime('debug')).toBe(first);
  });
});
