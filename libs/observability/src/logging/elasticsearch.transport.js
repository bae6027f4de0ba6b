'use strict';
// Pino transport (runs in pino's worker thread) shipping log lines to Elasticsearch via pino-elasticsearch.
// Elasticsearch being slow or down must never block or crash the application, so this wrapper:
//  - reports failures to the main thread as ThreadStream events (postMessage {code: 'EVENT'}); there they
//    become a Prometheus counter. pino-elasticsearch's 'error' never reaches thread-stream, which would end
//    the transport (and, left unhandled, the process);
//  - starts a fresh bulk helper and client after a failed bulk request (the old helper has aborted);
//  - never applies backpressure, and bounds memory by dropping (and counting) lines.
// Plain JavaScript on purpose: pino loads it by path inside the worker thread.
const path = require('node:path');
const { Writable } = require('node:stream');
const { parentPort } = require('node:worker_threads');
const pinoElastic = require('pino-elasticsearch');

// The Client pino-elasticsearch itself uses (package.json overrides it to the project's one major,
// 9.x, which ops/test/elasticsearch-majors.spec.ts checks). Subclassing it is the only way to set
// requestTimeout/maxRetries (pino-elasticsearch forwards just node, auth, cloud, tls, caFingerprint,
// Connection, ConnectionPool).
const { Client: DefaultClient } = require(
  require.resolve('@elastic/elasticsearch', {
    paths: [path.dirname(require.resolve('pino-elasticsearch'))],
  }),
);

const docsIn = (body) =>
  typeof body === 'string'
    ? body.split('\n').filter(Boolean).length / 2
    : Array.isArray(body)
      ? body.length / 2
      : 0;
const linesIn = (chunk) => {
  let n = 0;
  for (const b of chunk) if (b === 10) n++;
  return n;
};

function build(opts = {}, deps = {}) {
  const {
    requestTimeout = 5000,
    maxRetries = 1,
    maxBufferedBytes = 8 * 1024 * 1024,
    reportIntervalMs = 1000,
    ...esOpts
  } = opts;
  const emit =
    deps.emit ?? ((name, payload) => parentPort?.postMessage({ code: 'EVENT', name, args: [payload] }));
  const Client = deps.Client ?? DefaultClient;
  const counts = { rejected: 0, lost: 0, dropped: 0, bulkErrors: 0 };
  let lastError;

  const report = () => {
    if (counts.rejected || counts.lost || counts.dropped || counts.bulkErrors) {
      emit('elasticsearch:failures', { ...counts, lastError });
      counts.rejected = counts.lost = counts.dropped = counts.bulkErrors = 0;
    }
  };
  const timer = setInterval(report, reportIntervalMs);
  timer.unref();

  let current = create();

  function create() {
    const entry = { written: 0, acked: 0, client: undefined, settled: false, splitter: undefined };
    class EntryClient extends Client {
      constructor(o) {
        super({ ...o, requestTimeout, maxRetries });
        entry.client = this;
        this.diagnostic.on('response', (err, result) => {
          const p = result?.meta?.request?.params;
          if (!p || !String(p.path).endsWith('/_bulk')) return;
          if (!err) {
            entry.acked += docsIn(p.body);
            return;
          } // item-level rejections come as 'insertError'
          counts.bulkErrors++;
          lastError = err.message;
          if (entry === current) rotate(); // this bulk helper has aborted
        });
      }
    }
    entry.splitter = pinoElastic(esOpts, { Client: EntryClient });
    entry.splitter.on('insertError', (err) => {
      counts.rejected++;
      lastError = `${err.document?.status ?? ''} ${err.document?.error?.type ?? err.message}`.trim();
    });
    entry.splitter.on('unknown', () => {
      counts.dropped++;
    });
    const settle = () => {
      if (entry.settled) return;
      entry.settled = true;
      counts.lost += Math.max(0, entry.written - entry.acked);
      entry.client?.close().catch(() => undefined);
      entry.onSettled?.();
    };
    entry.splitter.on('insert', settle); // helper resolved (after end)
    entry.splitter.on('error', settle); // helper rejected: handled here, never reaches thread-stream
    return entry;
  }
  function rotate() {
    const old = current;
    current = create();
    old.splitter.end();
  }

  return new Writable({
    write(chunk, _enc, cb) {
      const s = current.splitter;
      if (s.writableLength + s.readableLength > maxBufferedBytes) counts.dropped += linesIn(chunk);
      else {
        current.written += linesIn(chunk);
        s.write(chunk);
      }
      cb(); // never push back on pino's worker loop
    },
    final(cb) {
      clearInterval(timer);
      const entry = current;
      let called = false;
      const done = () => {
        if (called) return;
        called = true;
        report();
        cb();
      };
      entry.onSettled = done;
      entry.splitter.end();
      setTimeout(done, requestTimeout * (maxRetries + 1) + 1000).unref();
    },
  });
}

module.exports = build;
module.exports.build = build;
