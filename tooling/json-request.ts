export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when there is none or it is not JSON. */
  body: any;
  text: string;
}

/** One HTTP request to a test server: a JSON body (or raw bytes) in, the status and parsed JSON out. */
export async function requestJson(
  baseUrl: string,
  method: string,
  path: string,
  init: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | Buffer | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
