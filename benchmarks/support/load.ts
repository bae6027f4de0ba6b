import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx responses per second over the run. */
  rps: number;
  /** Latency percentiles in milliseconds (every response, as autocannon records them). */
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  requests: autocannon.Request[];
}

/** Closed-loop load from this process: `connections` keep-alive connections, each sending as fast as answered. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    requests: options.requests,
  });
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: result.duration,
  };
}

/** GETs walking through `targets` in turn (one shared cursor across connections), each with its headers. */
export function cyclingGets(
  targets: Array<{ path: string; headers?: Record<string, string> }>,
): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        const { path, headers } = targets[next++ % targets.length];
        return { ...request, path, headers: { ...request.headers, ...headers } };
      },
    },
  ];
}

/** JSON POSTs to `path` walking through `requests` in turn, each body with its own headers (its token). */
export function cyclingJsonPosts(
  path: string,
  requests: Array<{ body: string; headers: Record<string, string> }>,
): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path,
      setupRequest: (request) => {
        const { body, headers } = requests[next++ % requests.length];
        return { ...request, body, headers: { 'content-type': 'application/json', ...headers } };
      },
    },
  ];
}

/**
 * Two servers under the same load, taking turns: a warm-up each, then `settings.rounds` rounds whose
 * order alternates so neither always runs first. Resolves with each server's results and the raw rounds.
 */
export async function alternatingRounds<Name extends string>(
  names: readonly [Name, Name],
  run: (name: Name, durationS: number) => Promise<LoadResult>,
  settings: { warmupS: number; roundS: number; rounds: number },
  log: (line: string) => void,
): Promise<{ samples: Record<Name, LoadResult[]>; rounds: unknown[] }> {
  for (const name of names) await run(name, settings.warmupS);
  const samples = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<
    Name,
    LoadResult[]
  >;
  const rounds: unknown[] = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [names[1], names[0]]) {
      const result = await run(name, settings.roundS);
      samples[name].push(result);
      rounds.push({ round: round + 1, target: name, ...result });
      log(
        `round ${round + 1}/${settings.rounds} ${name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms`,
      );
    }
  }
  return { samples, rounds };
}
