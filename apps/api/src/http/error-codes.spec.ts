import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { REPO_ROOT } from '../../../../tooling/repo-root';
import { ERROR_CODES, errorCodeEntry, kebabCode } from './error-codes';

const PAGES_DIR = path.join(REPO_ROOT, 'docs/errors');
const SOURCE_DIR = path.join(REPO_ROOT, 'apps/api/src');
const codes = Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>;

const pageNames = () =>
  readdirSync(PAGES_DIR)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .map((name) => name.slice(0, -'.md'.length));

const page = (code: string) => readFileSync(path.join(PAGES_DIR, `${kebabCode(code)}.md`), 'utf8');

/** Every non-spec TypeScript file of the API. */
function sources(dir = SOURCE_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('error codes: the table and their pages in docs/errors', () => {
  it('has a page for every code of the table', () => {
    const pages = new Set(pageNames());
    expect(codes.filter((code) => !pages.has(kebabCode(code)))).toEqual([]);
  });

  it('has a code in the table for every page', () => {
    const kebabs = new Set(codes.map(kebabCode));
    expect(pageNames().filter((name) => !kebabs.has(name))).toEqual([]);
  });

  it.each(codes)('%s: the page names the code, its title and its status', (code) => {
    const { status, title } = ERROR_CODES[code];
    const text = page(code);
    expect(text.split('\n', 1)[0]).toBe(`# \`${code}\`: ${title}`);
    expect(text).toContain(`Status \`${status} ${STATUS_CODES[status]}\``);
    for (const section of ['## What it means', '## When it happens', '## What the client should do'])
      expect(text).toContain(section);
  });

  it('lists every page in docs/errors/README.md, with its status and title', () => {
    const index = readFileSync(path.join(PAGES_DIR, 'README.md'), 'utf8');
    const rows = [
      ...index.matchAll(/^\| \[`([A-Z0-9_]+)`\]\(([a-z0-9-]+)\.md\) +\| `(\d{3})` +\| (.+?) +\|$/gm),
    ];
    expect(
      rows.map(([, code, file, status, title]) => ({ code, file, status: Number(status), title })),
    ).toEqual(
      expect.arrayContaining(codes.map((code) => ({ code, file: kebabCode(code), ...ERROR_CODES[code] }))),
    );
    expect(rows).toHaveLength(codes.length);
  });

  it('is the table the API throws from: every ApiError names a code of it, with its status', () => {
    const thrown = sources().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/new ApiError\(\s*(\d{3}),\s*'([A-Z0-9_]+)'/g)].map(
        ([, status, code]) => ({ file: path.relative(REPO_ROOT, file), code, status: Number(status) }),
      ),
    );
    expect(thrown.length).toBeGreaterThan(5);
    expect(thrown.filter(({ code, status }) => errorCodeEntry(code)?.status !== status)).toEqual([]);
  });

  it('names pages in lower-kebab-case', () => {
    expect(kebabCode('WEBHOOK_URL_REFUSED')).toBe('webhook-url-refused');
    expect(errorCodeEntry('HTTP_406')).toBeUndefined();
    expect(errorCodeEntry('toString')).toBeUndefined();
  });
});
