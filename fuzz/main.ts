// npm run fuzz -- --runs 5000 --seed 42            a fresh API (real entry point, new database)
// npm run fuzz -- --url http://127.0.0.1:3000 --key-file .data/auth/local-signing-key.json
import { serverErrors, withFreshApi } from './fresh-api';
import { runFuzzCampaign, type CampaignResult } from './fuzz-campaign';
import { ORDERS_API_PROFILE } from './fuzz-profile';
import { formatBreakdown, formatFailures, formatSummary } from './fuzz-report';
import { HELP_TEXT, OptionsError, parseCliArgs, type FuzzCliOptions } from './options';

async function main(argv: readonly string[]): Promise<number> {
  let options: FuzzCliOptions;
  try {
    const command = parseCliArgs(argv);
    if (command.help) {
      process.stdout.write(`${HELP_TEXT}\n`);
      return 0;
    }
    options = command.options;
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`fuzz: ${error.message} (see --help)\n`);
    return 2;
  }

  const result = options.url
    ? await campaign(options, options.url, options.keyFile)
    : await withFreshApi(ORDERS_API_PROFILE, async (api) => {
        const result = await campaign(options, api.baseUrl, api.keyFile);
        const errors = serverErrors(api.output());
        if (errors.length)
          process.stderr.write(
            `the API logged ${errors.length} errors; the last:\n${errors.slice(-3).join('\n')}\n`,
          );
        return result;
      });
  process.stdout.write(`${formatSummary(result)}\n`);
  if (options.verbose || options.replay !== undefined) process.stdout.write(`${formatBreakdown(result)}\n`);
  if (result.failures.length)
    process.stdout.write(`${formatFailures(result, options.replay === undefined ? 2 : 1)}\n`);
  return result.failures.some((f) => f.problems.length) || result.uncovered.length ? 1 : 0;
}

function campaign(options: FuzzCliOptions, baseUrl: string, keyFile: string): Promise<CampaignResult> {
  let lastShown = 0;
  return runFuzzCampaign({
    baseUrl,
    keyFile,
    seed: options.seed,
    runs: options.runs,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    replay: options.replay,
    profile: ORDERS_API_PROFILE,
    onProgress: (done, total) => {
      if (!process.stderr.isTTY || (Date.now() - lastShown < 250 && done < total)) return;
      lastShown = Date.now();
      process.stderr.write(`\r${done}/${total} requests${done === total ? '\n' : ''}`);
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
