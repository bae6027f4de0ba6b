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

/**
 * An Elasticsearch test double over real HTTP (no Elasticsearch server can run here): answers `_bulk`
 * the way Elasticsearch does, item by item, and keeps what was indexed for assertions.
 */
export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const documents: IndexedDocument[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.setHeader('x-elastic-product', 'Elasticsearch');
      response.setHeader('content-type', 'application/json');
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
        JSON.stringify({ name: 'fake', version: { number: '8.15.0' }, tagline: 'You Know, for Search' }),
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
