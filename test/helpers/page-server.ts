/**
 * A tiny web server for a third-party page in browser tests (a widget on an allowed host, an OAuth
 * app): listens on 127.0.0.1 port 0 and answers each request with what `respond` returns.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  /** `http://<host>:<port>`, with the host the test asked the browser to use. */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

export type Respond = (url: URL, req: http.IncomingMessage) => Promise<{ status?: number; type?: string; body: string; headers?: Record<string, string> }>;

export async function startPageServer(host: 'localhost' | '127.0.0.1', respond: Respond): Promise<PageServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}:${(server.address() as AddressInfo).port}`);
    respond(url, req).then(
      (r) => res.writeHead(r.status ?? 200, { 'Content-Type': r.type ?? 'text/html; charset=utf-8', ...r.headers }).end(r.body),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://${host}:${port}`, port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
