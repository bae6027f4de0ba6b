import { Logger } from '@nestjs/common';
import { installTemporalRuntime } from './temporal-runtime';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR2'];

describe('installTemporalRuntime', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('installs the Temporal runtime without signal handlers, so Nest alone drives shutdown', () => {
    const before = SIGNALS.map((signal) => process.listenerCount(signal));

    const runtime = installTemporalRuntime('warn');

    expect(runtime.options.shutdownSignals).toEqual([]);
    expect(SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before);
    expect(runtime.logger).toMatchObject({ level: 'WARN' });
  });

  it('keeps the runtime already installed in the process', () => {
    const first = installTemporalRuntime('warn');
    expect(installTemporalRuntime('debug')).toBe(first);
  });
});
