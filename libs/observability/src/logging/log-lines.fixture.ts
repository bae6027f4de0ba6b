import { Writable } from 'node:stream';

/** A written log line, parsed: specs read any field of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogLine = Record<string, any>;

/** A pino destination in memory for specs: every line as written (`raw`) and parsed (`lines`). */
export function logLines() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n'))
        if (text) {
          raw.push(text);
          lines.push(JSON.parse(text) as LogLine);
        }
      done();
    },
  });
  return { lines, raw, stream };
}
