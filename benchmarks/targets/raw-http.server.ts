import { createServer } from 'node:http';

/**
 * The baseline of the framework benchmark: a bare `node:http` server answering every request with the
 * same JSON body the API's `GET /health/live` returns (BODY), on PORT.
 */
const body = Buffer.from(process.env.BODY ?? '{"status":"ok","info":{},"error":{},"details":{}}');
const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  response.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
