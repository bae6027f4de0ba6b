import { OptionsError, parseCliArgs } from './options';

describe('npm run fuzz options', () => {
  it('reads runs, seed and a running API', () => {
    expect(
      parseCliArgs([
        '--runs',
        '5000',
        '--seed',
        '42',
        '--url',
        'http://127.0.0.1:3000',
        '--key-file',
        'k.json',
      ]),
    ).toEqual({
      help: false,
      options: {
        runs: 5000,
        seed: 42,
        url: 'http://127.0.0.1:3000',
        keyFile: 'k.json',
        concurrency: 8,
        timeoutMs: 10_000,
        replay: undefined,
        verbose: false,
      },
    });
  });

  it('draws a seed when none is given, and starts a fresh API without --url', () => {
    const command = parseCliArgs([]);
    expect(command.help).toBe(false);
    if (command.help) return;
    expect(command.options).toMatchObject({ runs: 2000, url: undefined });
    expect(Number.isInteger(command.options.seed)).toBe(true);
  });

  it.each([
    [['--runs', '0'], '--runs must be an integer from 1'],
    [['--seed', 'abc'], '--seed must be an integer'],
    [['--url', 'ftp://x'], '--url must be an http(s) URL'],
    [['--key-file', 'k.json'], '--key-file goes with --url'],
    [['--replay=-1'], '--replay must be an integer from 0'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(OptionsError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  it('has help', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
  });
});
