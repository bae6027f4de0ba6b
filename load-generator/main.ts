import { ApiUnavailableError } from './api-client';
import { HELP_TEXT, parseCliArgs, type CliCommand } from './options';
import { OptionsError } from './options-error';
import { formatProgress, formatSummary } from './report';
import { runLoad } from './run-load';

export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * `npm run load -- [options]`: progress on stderr, the summary on stdout. Resolves the exit code:
 * 0 done, 1 API unavailable or run failed, 2 invalid options. The first SIGINT/SIGTERM stops the
 * traffic (the summary still comes), a second one quits at once.
 */
export async function main(argv: readonly string[], io: CliStreams = process): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    io.stderr.write(`load-generator: ${error.message} (see --help)\n`);
    return 2;
  }
  if (command.help) {
    io.stdout.write(`${HELP_TEXT}\n`);
    return 0;
  }

  const progressLine = createProgressLine(io.stderr);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    progressLine.end();
    io.stderr.write(`${signal}: stopping, waiting for the last answers (${signal} again quits at once)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await runLoad(command.options, {
      signal: stop.signal,
      onProgress: progressLine.write,
      onPhase: (phase, { orders, settleMs }) => {
        progressLine.end();
        if (phase === 'outcomes')
          io.stderr.write(`checking the outcome of ${orders} orders (waiting up to ${settleMs / 1000} s)\n`);
      },
    });
    progressLine.end();
    io.stdout.write(command.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
    return 0;
  } catch (error) {
    progressLine.end();
    const known = error instanceof ApiUnavailableError || error instanceof OptionsError;
    io.stderr.write(`load-generator: ${known ? '' : 'the run failed: '}${(error as Error).message}\n`);
    return known && error instanceof OptionsError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** On a terminal one line rewritten in place; otherwise (a file, CI logs) one line per report. */
function createProgressLine(stream: CliStreams['stderr']) {
  let open = false;
  return {
    write: (progress: Parameters<typeof formatProgress>[0]) => {
      if (stream.isTTY) {
        stream.write(`\r${formatProgress(progress)}\x1b[K`);
        open = true;
      } else {
        stream.write(`${formatProgress(progress)}\n`);
      }
    },
    end: () => {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`load-generator: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
