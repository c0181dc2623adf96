/**
 * Keeps proxied uploads from swelling the server's resident memory. Node's HTTP parser copies each
 * body chunk it reads into a Buffer of its own; once passed upstream the chunk is garbage, but V8
 * frees that memory only when it collects the young generation, and it forces one for such memory
 * only once about 32 MiB has piled up (README.md, "The built-in proxy"). So a 10 MB upload would
 * leave up to its whole size resident. Instead, after every `everyBytes` of request body passed
 * upstream (all uploads together), this asks V8 for a young-generation collection: a scavenge of
 * mostly dead objects, which frees the chunks already sent. A scavenge blocks the event loop for as
 * long as it takes to copy the young objects still alive (0.6 ms at the median here, README.md);
 * the collections follow the bytes uploaded, not the requests.
 */
import { type Readable, Transform, pipeline } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

/** Bodies with a Content-Length under this are passed on as they are: what each leaves behind is too small to matter. */
const COUNTED_FROM_BYTES = 64 * 1024;

/**
 * V8's `gc` function: the global one when Node was started with `--expose-gc`, else one taken from
 * a fresh context made while the flag is briefly on (the flag only decides which new contexts get
 * the function; this process's own global stays without it). Undefined where V8 will not give it
 * (`--expose-gc-as` names it otherwise).
 */
function v8Collect(): Collect | undefined {
  const global = (globalThis as { gc?: Collect }).gc;
  if (global) return global;
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as Collect;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/**
 * A request body on its way upstream, counted as it passes. It starts reading the client's body
 * only when it is read itself: a request answered without its body being read (a refused
 * credential, an upstream never reached) leaves that body to Node, which discards the rest and
 * keeps the connection for the client's next request. One that fails or is cut off by the client
 * fails this one too, so the upstream request ends with it.
 */
class CountedBody extends Transform {
  private started = false;

  constructor(
    private readonly source: Readable,
    private readonly passed: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err: null, chunk: Buffer) => void): void {
    this.passed(chunk.length);
    done(null, chunk);
  }

  override _read(size: number): void {
    if (!this.started) {
      this.started = true;
      pipeline(this.source, this, () => undefined);
    }
    super._read(size);
  }
}

export class UploadCollector {
  private sinceCollection = 0;

  private constructor(
    private readonly collect: Collect,
    private readonly everyBytes: number,
  ) {}

  /** `everyBytes` 0, or a V8 that keeps its `gc` to itself, leaves collection to V8's own rule (undefined). */
  static create(everyBytes: number): UploadCollector | undefined {
    const collect = everyBytes > 0 ? v8Collect() : undefined;
    return collect ? new UploadCollector(collect, everyBytes) : undefined;
  }

  /** The body to send upstream in place of `body`; one with a `Content-Length` under 64 KiB is left as it is. */
  counted(body: Readable, headers: { 'content-length'?: string | undefined }): Readable {
    const length = Number(headers['content-length'] ?? Infinity); // chunked: of unknown length
    if (length < COUNTED_FROM_BYTES) return body;
    return new CountedBody(body, (bytes) => this.passed(bytes));
  }

  private passed(bytes: number): void {
    this.sinceCollection += bytes;
    if (this.sinceCollection < this.everyBytes) return;
    this.sinceCollection = 0;
    this.collect({ type: 'minor' });
  }
}
