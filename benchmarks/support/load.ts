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
