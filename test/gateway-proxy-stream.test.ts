/**
 * A 10 MB upload through the built-in proxy streams: a real `gatehouse serve` process (its body
 * limit is 64 KiB, so a parsed body would be refused) passes the first MiB on to the upstream while
 * the client still holds back the rest (a proxy that buffered would never answer), every byte
 * arrives, and the server's resident memory is reported and bounded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { bearer, signIn } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { ADMIN_PASSWORD } from './helpers/server.js';
import { type Upstream, startUpstream } from './helpers/upstream.js';

const MiB = 1024 * 1024;
const BIG = Number(process.env.BIG ?? 10) * MiB;
let upstream: Upstream;
let node: NodeProcess;
let session: string;

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/**
 * POSTs `bytes` of zeros in 64 KiB chunks, written as the connection takes them. With `holdAfter`,
 * sends that many bytes, then waits until the upstream has them before sending the rest.
 */
async function upload(path: string, bytes: number, holdAfter?: number): Promise<number> {
  const { port } = new URL(node.url);
  const chunk = Buffer.alloc(64 * 1024);
  const body = Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytes; sent += chunk.length) {
        if (sent === holdAfter) await upstream.received(path, holdAfter);
        yield chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      }
    })(),
  );
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { ...bearer(session), 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
}

before(async () => {
  upstream = await startUpstream();
  node = await startNode({ GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_PROXY: `/upload=${upstream.url}/upload`, GATEHOUSE_LOG_LEVEL: 'silent' });
  session = await signIn(node.url, 'admin', ADMIN_PASSWORD);
});
after(async () => {
  await node.stop();
  await upstream.close();
});

test('a 10 MB upload streams through the built-in proxy without the server holding it', { timeout: 120_000 }, async () => {
  // Warm up the path (code, pools, buffers) so what follows measures the upload alone.
  for (let i = 0; i < 3; i++) assert.equal(await upload(`/upload/warm-${i}`, 2 * MiB), 200);
  const before = rssBytes(node.pid);
  assert.equal(await upload('/upload/big', BIG, MiB), 200);
  const after = rssBytes(node.pid);
  assert.equal(upstream.requests.find((r) => r.url === '/upload/big')?.bytes, BIG);
  const growth = (after - before) / MiB;
  process.stdout.write(
    `# server RSS ${(before / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB) for a 10 MiB upload\n`,
  );
  // RSS here is mostly the 64 KiB socket read buffers already passed on: V8 frees them at its next
  // full GC, which waits for tens of MiB of them (a 40 MiB upload grows RSS by about 1.3 times its
  // size as well). The streaming itself is proven above; this bound only catches gross copies.
  assert.ok(growth < 3 * (BIG / MiB), `RSS grew by ${growth.toFixed(1)} MiB`);
});
