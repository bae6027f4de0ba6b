import { DEFAULT_OPTIONS, parseCliArgs, parseDuration, resolveOptions } from './options';
import { OptionsError } from './options-error';

const run = (...argv: string[]) => {
  const command = parseCliArgs(argv);
  if (command.help) throw new Error('expected a run');
  return command;
};
const failure = (...argv: string[]) => {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseCliArgs', () => {
  it('uses the documented defaults without flags', () => {
    const { options, json } = run();
    expect(json).toBe(false);
    expect(options).toEqual({
      url: 'http://127.0.0.1:3000',
      rate: 50,
      durationMs: undefined,
      connections: 10,
      timeoutMs: 10_000,
      mix: { browse: 25, product: 20, order: 25, read: 20, list: 10 },
      badRatio: 0.05,
      declineRatio: 0.1,
      cancelRatio: 0.1,
      idempotencyRatio: 0.2,
      replayRatio: 0.5,
      customers: 100,
      settleMs: 10_000,
      seed: undefined,
      keyFile: '.data/auth/local-signing-key.json',
      token: undefined,
    });
  });

  it('takes the key file from AUTH_LOCAL_KEY_FILE unless --key-file names one, or a --token instead', () => {
    const fromEnv = parseCliArgs([], { AUTH_LOCAL_KEY_FILE: '/keys/api.json' });
    expect(!fromEnv.help && fromEnv.options.keyFile).toBe('/keys/api.json');
    const fromFlag = parseCliArgs(['--key-file', '/keys/other.json'], {
      AUTH_LOCAL_KEY_FILE: '/keys/api.json',
    });
    expect(!fromFlag.help && fromFlag.options.keyFile).toBe('/keys/other.json');
    expect(run('--token', 'a.b.c').options.token).toBe('a.b.c');
    expect(failure('--token', 'a.b.c', '--key-file', 'k.json')).toBe(
      '--token and --key-file exclude each other',
    );
  });

  it('reads every flag', () => {
    const { options, json } = run(
      '--url=http://api.internal:8080/',
      '--rate', '200',
      '--duration', '5m',
      '--connections', '20',
      '--timeout', '2s',
      '--mix', 'order=50, list=0',
      '--bad-ratio', '0.2',
      '--decline-ratio', '0.3',
      '--cancel-ratio', '0',
      '--idempotency-ratio', '1',
      '--replay-ratio', '0.25',
      '--customers', '7',
      '--settle', '0',
      '--seed', '42',
      '--key-file', '/keys/api.json',
      '--json',
    ); // prettier-ignore
    expect(json).toBe(true);
    expect(options).toEqual({
      url: 'http://api.internal:8080',
      rate: 200,
      durationMs: 300_000,
      connections: 20,
      timeoutMs: 2_000,
      mix: { browse: 25, product: 20, order: 50, read: 20, list: 0 },
      badRatio: 0.2,
      declineRatio: 0.3,
      cancelRatio: 0,
      idempotencyRatio: 1,
      replayRatio: 0.25,
      customers: 7,
      settleMs: 0,
      seed: 42,
      keyFile: '/keys/api.json',
      token: undefined,
    });
  });

  it('answers --help and -h with the help command', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['--rate', '5', '-h'])).toEqual({ help: true });
  });

  it.each([
    [['--foo'], 'unknown option --foo'],
    [['-x'], 'unknown option -x'],
    [['--rate'], '--rate needs a value'],
    [['--json=yes'], '--json does not take a value'],
    [['--rate', '-5'], '--rate needs a value (write --rate=<value> for one starting with -)'],
    [['now'], 'unexpected argument "now" (options start with --)'],
    [['--rate', 'fast'], '--rate must be a number (got "fast")'],
    [['--rate=-5'], '--rate must be a whole number ≥ 1 (got -5)'],
    [['--rate', '2.5'], '--rate must be a whole number ≥ 1 (got 2.5)'],
    [['--connections', '0'], '--connections must be a whole number from 1 to 10000 (got 0)'],
    [['--duration', '0s'], '--duration must be more than 0 and at most 500h (got 0 ms)'],
    [['--duration', 'soon'], '--duration must be a duration like 500ms, 30s, 5m or 1h (got "soon")'],
    [['--duration', '501h'], '--duration must be more than 0 and at most 500h (got 1803600000 ms)'],
    [['--bad-ratio', '1.5'], '--bad-ratio must be between 0 and 1 (got 1.5)'],
    [['--decline-ratio', ''], '--decline-ratio must be a number (got "")'],
    [
      ['--mix', 'checkout=5'],
      '--mix takes action=weight pairs for browse, product, order, read, list (got "checkout=5")',
    ],
    [
      ['--mix', 'order'],
      '--mix takes action=weight pairs for browse, product, order, read, list (got "order")',
    ],
    [['--mix', 'order=-1'], '--mix weight of order must be ≥ 0 (got -1)'],
    [['--mix', 'browse=0,product=0,order=0,read=0,list=0'], '--mix needs at least one positive weight'],
    [['--url', 'localhost:3000'], '--url must be an http:// or https:// URL (got "localhost:3000")'],
    [['--url', 'http://x/?a=1'], '--url must not have a query or fragment (got "http://x/?a=1")'],
    [['--url', 'not a url'], '--url must be an http:// or https:// URL (got "not a url")'],
    [['--seed=-1'], '--seed must be a whole number from 0 to 4294967295 (got -1)'],
  ])('rejects %j: %s', (argv, message) => {
    expect(failure(...argv)).toBe(message);
  });

  it('keeps every error message on one line', () => {
    for (const argv of [['--rate', '-5'], ['--nope'], ['x', 'y']])
      expect(failure(...argv)).not.toContain('\n');
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['30', 30_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    [' 10S ', 10_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration('--duration', text)).toBe(ms);
  });
});

describe('resolveOptions (programmatic callers)', () => {
  it('merges a partial mix with the default weights', () => {
    expect(resolveOptions({ mix: { order: 0 } }).mix).toEqual({ ...DEFAULT_OPTIONS.mix, order: 0 });
  });

  it('names the option key in errors', () => {
    expect(() => resolveOptions({ rate: 0 })).toThrow(
      new OptionsError('rate must be a whole number ≥ 1 (got 0)'),
    );
    expect(() => resolveOptions({ settleMs: -1 })).toThrow(
      new OptionsError('settleMs must be 0 or more and at most 500h (got -1 ms)'),
    );
  });
});
