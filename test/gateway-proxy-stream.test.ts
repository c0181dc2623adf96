/**
 * A 10 MB upload through the built-in proxy streams: a real `gatehouse serve` process (its body
 * limit is 64 KiB, so a parsed body would be refused) passes the first MiB on to the upstream while
 * the client still holds back the rest (a proxy that buffered would never answer), every byte
 * arrives, and the server's resident memory (from /proc of that process) levels off instead of
 * growing with the volume uploaded.
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
const UPLOADS = 12;
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

/** Runs `work` while sampling the server's RSS every few ms; returns the highest RSS seen, in bytes. */
async function peakRss(work: () => Promise<void>): Promise<number> {
  let peak = rssBytes(node.pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(node.pid))), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssBytes(node.pid));
}

test('a 10 MB upload streams through the built-in proxy without the server holding it', { timeout: 120_000 }, async () => {
  const start = rssBytes(node.pid);
  // Warm up the path (code, pools, buffers) so what follows measures uploads alone.
  for (let i = 0; i < 3; i++) assert.equal(await upload(`/upload/warm-${i}`, 2 * MiB), 200);
  const peaks: number[] = [];
  for (let i = 0; i < UPLOADS; i++) peaks.push(await peakRss(async () => assert.equal(await upload(`/upload/big-${i}`, BIG, MiB), 200)));
  const total = (rssBytes(node.pid) - start) / MiB;
  for (let i = 0; i < UPLOADS; i++) assert.equal(upstream.requests.find((r) => r.url === `/upload/big-${i}`)?.bytes, BIG);
  const uploaded = (6 * MiB + UPLOADS * BIG) / MiB;
  const over = (bytes: number) => `+${((bytes - start) / MiB).toFixed(1)}`;
  process.stdout.write(
    `# server RSS over its start, at its peak during each ${BIG / MiB} MiB upload: ${peaks.map(over).join(', ')} MiB; at the end ${over(rssBytes(node.pid))} MiB, for ${uploaded} MiB uploaded\n`,
  );
  // Nothing holds an upload, yet RSS ends some 32 MiB up, as a plain node:http server that discards
  // the body does too: each body chunk Node reads is garbage once written upstream, and V8 frees such
  // buffers only when about 32 MiB of them have piled up (its young-generation collection on external
  // memory); the memory is then reused. Peaks during an upload go higher, to about twice that, while
  // V8's young generation grows to full size under the load (more with trace logging on). What is
  // asserted is that it levels off: a proxy that kept even half of each upload would pass 64 MiB.
  assert.ok(total < 64, `RSS grew by ${total.toFixed(1)} MiB for ${uploaded} MiB uploaded`);
});
