/**
 * A small upstream API for gateway tests: records what each request brought (method, path,
 * headers, how many body bytes, counted as they stream by) and answers 200 with a short JSON
 * body. Paths under `/slow` never answer, for timeouts; under `/close` the answer closes its connection;
 * `…/bytes/N` answers N bytes with an `X-Upstream-Bytes` header (`…/untyped/N` the same without a
 * Content-Type); `…/cut/N` promises N bytes, sends ten and drops the connection; `…/stall/N` sends
 * three and then nothing; `…/unmodified/N` is a 304 with the ETag "N"; `…/lying-304/N` a 304 with
 * a Content-Length of N (allowed: the length of what did not change).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: number;
}

export interface Upstream {
  readonly url: string;
  /** Resolves once a request to `path` has delivered at least `bytes` body bytes (still streaming in). */
  received(path: string, bytes: number): Promise<void>;
  /** Resolves once a request to `path` has closed, with whether its body arrived whole. */
  closed(path: string): Promise<{ complete: boolean; bytes: number }>;
  readonly port: number;
  readonly requests: UpstreamRequest[];
  /** The last request that reached the upstream. */
  last(): UpstreamRequest;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const requests: UpstreamRequest[] = [];
  const waiting: { path: string; bytes: number; resolve: () => void }[] = [];
  const closing: { path: string; resolve: (r: { complete: boolean; bytes: number }) => void }[] = [];
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (const w of waiting.filter((x) => x.path === req.url && bytes >= x.bytes)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    });
    req.on('close', () => {
      for (const w of closing.filter((x) => x.path === req.url)) {
        closing.splice(closing.indexOf(w), 1);
        w.resolve({ complete: req.complete, bytes });
      }
    });
    req.on('end', () => {
      if (req.url?.startsWith('/slow')) return;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes });
      if (req.url?.startsWith('/close')) res.shouldKeepAlive = false; // Connection: close
      const sized = /\/(bytes|untyped|cut|stall|unmodified|lying-304)\/(\d+)(\?|$)/.exec(req.url ?? '');
      if (sized) {
        const n = Number(sized[2]);
        if (sized[1] === 'unmodified') {
          res.writeHead(304, { ETag: `"${n}"` }).end();
          return;
        }
        if (sized[1] === 'lying-304') {
          res.writeHead(304, { 'Content-Length': n }).end();
          return;
        }
        res.writeHead(203, {
          ...(sized[1] === 'untyped' ? {} : { 'Content-Type': 'application/octet-stream' }),
          'Content-Length': n,
          'X-Upstream-Bytes': String(n),
        });
        if (sized[1] === 'cut') res.write(Buffer.alloc(10, 'x'), () => res.destroy());
        else if (sized[1] === 'stall') res.write(Buffer.alloc(3, 'x'));
        else res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(n, 'x'));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ upstream: true, bytes }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    received: (path, bytes) => new Promise((resolve) => waiting.push({ path, bytes, resolve })),
    closed: (path) => new Promise((resolve) => closing.push({ path, resolve })),
    last() {
      const r = requests.at(-1);
      if (!r) throw new Error('no request reached the upstream');
      return r;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
