import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { FAKE_ELASTICSEARCH_VERSION } from '../../test/support/fake-elasticsearch';
import { REPO_ROOT } from '../../tooling/repo-root';

const major = (version: string) => Number(/(\d+)\.\d+\.\d+/.exec(version)?.[1]);
const packageVersion = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

/**
 * A 9.x client sends `compatible-with=9` headers, which an 8.x server refuses
 * (`media_type_header_exception`): every Elasticsearch client the project installs and every
 * Elasticsearch and Kibana image compose runs must share one major.
 */
describe('Elasticsearch client and server majors (read from the compose file and node_modules)', () => {
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const images = Object.fromEntries(
    ['elasticsearch', 'kibana'].map((name) => [name, String(compose.services[name].image)]),
  );
  const installed = globSync('node_modules/**/@elastic/elasticsearch/package.json', { cwd: REPO_ROOT }).map(
    (file) => ({ file, version: packageVersion(path.join(REPO_ROOT, file)) }),
  );
  // The client pino-elasticsearch ships logs with, resolved the way it resolves it.
  const shipping = require.resolve('@elastic/elasticsearch/package.json', {
    paths: [path.dirname(require.resolve('pino-elasticsearch'))],
  });

  it('finds the images and the installed clients it checks', () => {
    expect(images.elasticsearch).toMatch(/elasticsearch:\d+\.\d+\.\d+$/);
    expect(images.kibana).toMatch(/kibana:\d+\.\d+\.\d+$/);
    expect(installed.length).toBeGreaterThan(0);
  });

  it('runs Elasticsearch and Kibana at the major of every installed client, log shipping included', () => {
    const server = major(images.elasticsearch);
    expect(major(images.kibana)).toBe(server);
    for (const client of installed)
      expect({ ...client, major: major(client.version) }).toEqual({ ...client, major: server });
    expect(major(packageVersion(shipping))).toBe(server);
  });

  it('has the log-shipping tests’ Elasticsearch test double play the same major', () => {
    expect(major(FAKE_ELASTICSEARCH_VERSION)).toBe(major(images.elasticsearch));
  });
});
