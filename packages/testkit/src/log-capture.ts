import { Writable } from 'node:stream';

/** A writable that parses the JSON log lines written to it, for asserting on what a service logged. */
export function captureJsonLines(): { sink: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { sink, lines };
}
