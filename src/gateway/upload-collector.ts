/**
 * Keeps proxied uploads from swelling the server's resident memory. Node's HTTP parser copies each
 * body chunk it reads into a Buffer of its own; once passed upstream the chunk is garbage, but V8
 * frees that memory only when it collects the young generation, and it forces one for such memory
 * only once about 32 MiB has piled up (README.md, "The built-in proxy"). So a 10 MB upload would
 * leave up to its whole size resident. Instead, after every `everyBytes` of request body passed
 * upstream (all uploads together), this asks V8 for a young-generation collection: a scavenge of
 * mostly dead objects, about a millisecond, which frees the chunks already sent.
 */
import type { Readable } from 'node:stream';
import { Transform, pipeline } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

/** Bodies shorter than this are passed on as they are: what they leave behind is too small to matter. */
const COUNTED_FROM_BYTES = 64 * 1024;

/**
 * V8's `gc` function: the global one when Node was started with `--expose-gc`, else one taken from
 * a fresh context made while the flag is briefly on (the flag only decides which new contexts get
 * the function; this process's own global stays without it).
 */
function v8Collect(): Collect {
  const global = (globalThis as { gc?: Collect }).gc;
  if (global) return global;
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as Collect;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

export class UploadCollector {
  private sinceCollection = 0;

  private constructor(
    private readonly collect: Collect,
    private readonly everyBytes: number,
  ) {}

  /** `everyBytes` 0 leaves collection to V8's own rule. */
  static create(everyBytes: number): UploadCollector | undefined {
    return everyBytes > 0 ? new UploadCollector(v8Collect(), everyBytes) : undefined;
  }

  /**
   * The body to send upstream in place of `body`: the same chunks, counted as they pass. A body
   * that fails or is cut off by the client fails the counted one too, so the upstream request ends.
   */
  counted(body: Readable, headers: { 'content-length'?: string | undefined }): Readable {
    const length = Number(headers['content-length'] ?? Infinity); // chunked: of unknown length
    if (length < COUNTED_FROM_BYTES) return body;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.passed(chunk.length);
        done(null, chunk);
      },
    });
    pipeline(body, counter, () => undefined);
    return counter;
  }

  private passed(bytes: number): void {
    this.sinceCollection += bytes;
    if (this.sinceCollection < this.everyBytes) return;
    this.sinceCollection = 0;
    this.collect({ type: 'minor' });
  }
}
