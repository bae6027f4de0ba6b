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

/** Requests whose path walks through `paths` in turn (one shared cursor across connections). */
export function cyclingGets(paths: string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }),
    },
  ];
}

/** JSON POSTs to `path` whose bodies walk through `bodies` in turn. */
export function cyclingJsonPosts(path: string, bodies: string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
    },
  ];
}
