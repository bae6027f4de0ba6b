import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IndexedDocument {
  index: string;
  doc: Record<string, any>;
}

export interface FakeElasticsearch {
  url: string;
  documents: IndexedDocument[];
  close(): Promise<void>;
}

/** The server release the double plays: the major of the compose file's Elasticsearch image. */
export const FAKE_ELASTICSEARCH_VERSION = '9.5.0';
const MAJOR = Number(FAKE_ELASTICSEARCH_VERSION.split('.')[0]);

/**
 * REST API compatibility as Elasticsearch enforces it: a client may ask for this major or the one
 * before (`compatible-with=N` in Accept or Content-Type), anything else is refused.
 */
function incompatibleMediaType(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['accept', 'content-type']) {
    const compatibleWith = /compatible-with=(\d+)/.exec(String(headers[name] ?? ''))?.[1];
    if (compatibleWith && ![MAJOR, MAJOR - 1].includes(Number(compatibleWith)))
      return `A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${String(headers.accept)}, Content-Type=${String(headers['content-type'])}`;
  }
  return undefined;
}

/**
 * An Elasticsearch test double over real HTTP (no Elasticsearch server can run here): answers `_bulk`
 * the way Elasticsearch does, item by item, and keeps what was indexed for assertions. Like the real
 * server it refuses clients of a newer major (`media_type_header_exception`).
 */
export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const documents: IndexedDocument[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.setHeader('x-elastic-product', 'Elasticsearch');
      response.setHeader('content-type', 'application/json');
      const refusal = incompatibleMediaType(request.headers);
      if (refusal) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({
            error: { type: 'media_type_header_exception', reason: 'Invalid media-type value on headers' },
            status: 400,
            detail: refusal,
          }),
        );
        return;
      }
      if (request.method === 'POST' && (request.url ?? '').startsWith('/_bulk')) {
        const lines = body
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, any>);
        const items = [];
        for (let i = 0; i < lines.length; i += 2) {
          const action = lines[i].create ? 'create' : 'index';
          const index = lines[i][action]._index as string;
          documents.push({ index, doc: lines[i + 1] });
          items.push({ [action]: { _index: index, status: 201 } });
        }
        response.end(JSON.stringify({ took: 1, errors: false, items }));
        return;
      }
      response.end(
        JSON.stringify({
          name: 'fake',
          version: { number: FAKE_ELASTICSEARCH_VERSION },
          tagline: 'You Know, for Search',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    documents,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
