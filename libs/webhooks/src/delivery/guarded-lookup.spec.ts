import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedLookup } from './guarded-lookup';

/** Connects through node:http with the guarded lookup and says what happened. */
function connect(host: string, port: number, allowedHosts: string[]): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: '/', agent: false, lookup: guardedLookup(allowedHosts) },
      (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      },
    );
    req.once('error', (error) => resolve(error.message));
    req.end();
  });
}

describe('guardedLookup (connect-time address check)', () => {
  let port: number;
  const server = createServer((_request, response) => response.writeHead(204).end());

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a name that resolves to a loopback address before connecting', async () => {
    expect(await connect('localhost', port, ['127.0.0.1'])).toBe(
      'localhost resolves to a private, loopback, link-local or metadata address',
    );
  });

  it('connects when the name is an allowed host', async () => {
    expect(await connect('localhost', port, ['LOCALHOST'])).toBe('answered 204');
  });
});
