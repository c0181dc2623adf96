/**
 * A 10 MB upload through the built-in proxy streams: a real `gatehouse serve` process (its body
 * limit is 64 KiB, so a parsed body would be refused) passes the first half on to the upstream
 * while the client still holds back the rest (a proxy that buffered would never answer), every byte
 * arrives, and what the server holds, measured after a full garbage collection asked of it through
 * its inspector, stays within a MiB: mid-upload and after many uploads. Its resident memory (from
 * /proc, sampled every few ms) rises by no more than a few MiB during uploads with nothing forced
 * from outside: the server collects the body chunks it has passed on (gateway/upload-collector.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { bearer, rawRequest, signIn } from './helpers/http.js';
import { type Inspector, connectInspector } from './helpers/inspector.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { ADMIN_PASSWORD } from './helpers/server.js';
import { type Upstream, startUpstream } from './helpers/upstream.js';

const MiB = 1024 * 1024;
const BIG = Number(process.env.BIG ?? 10) * MiB;
const UPLOADS = 12;
let upstream: Upstream;
let node: NodeProcess;
let session: string;
let inspector: Inspector;

const mib = (bytes: number) => `${bytes < 0 ? '' : '+'}${(bytes / MiB).toFixed(2)}`;

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/**
 * POSTs `bytes` of zeros in 64 KiB chunks, written as the connection takes them. With `hold`, sends
 * `hold.after` bytes, waits until the upstream has them, runs `hold.then`, then sends the rest.
 */
async function upload(path: string, bytes: number, hold?: { after: number; then: () => Promise<void> }): Promise<number> {
  const { port } = new URL(node.url);
  const chunk = Buffer.alloc(64 * 1024);
  const body = Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytes; sent += chunk.length) {
        if (sent === hold?.after) {
          await upstream.received(path, hold.after);
          await hold.then();
        }
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
  node = await startNode({ GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_PROXY: `/upload=${upstream.url}/upload`, GATEHOUSE_LOG_LEVEL: 'silent' }, [
    '--inspect=127.0.0.1:0',
  ]);
  inspector = await connectInspector(node.inspectorUrl!);
  session = await signIn(node.url, 'admin', ADMIN_PASSWORD);
});
after(async () => {
  inspector?.close();
  await node?.stop();
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

/** What the server's buffers hold once garbage is collected: Buffers and other ArrayBuffers, in bytes. */
const heldBuffers = async () => (await inspector.liveMemory()).arrayBuffers;

test('a 10 MB upload streams through the built-in proxy without the server holding it', { timeout: 120_000 }, async () => {
  // Warm up the path (code, pools, buffers) so what follows measures uploads alone.
  for (let i = 0; i < 3; i++) assert.equal(await upload(`/upload/warm-${i}`, 2 * MiB), 200);
  const startHeld = await heldBuffers();
  const midUpload: number[] = [];
  for (let i = 0; i < UPLOADS; i++) {
    const hold = { after: BIG / 2, then: async () => void midUpload.push((await heldBuffers()) - startHeld) };
    assert.equal(await upload(`/upload/big-${i}`, BIG, hold), 200);
  }
  const endHeld = (await heldBuffers()) - startHeld;
  for (let i = 0; i < UPLOADS; i++) assert.equal(upstream.requests.find((r) => r.url === `/upload/big-${i}`)?.bytes, BIG);
  process.stdout.write(
    `# held by the server's buffers after a full collection, over its start: half-way through each ${BIG / MiB} MiB upload ${midUpload.map(mib).join(', ')} MiB; after all ${mib(endHeld)} MiB\n`,
  );
  // Half-way through, the upstream has 5 MiB and the client holds back the rest: a proxy that kept
  // what it forwarded (or read ahead of the upstream) would hold MiBs here; one that streams holds
  // at most a few 64 KiB chunks in flight.
  for (const held of midUpload) assert.ok(held < MiB, `the server held ${mib(held)} MiB half-way through an upload`);
  assert.ok(endHeld < MiB, `the server held ${mib(endHeld)} MiB after ${UPLOADS} uploads`);
});

test('uploads through the built-in proxy leave no more than a few MiB resident', { timeout: 120_000 }, async () => {
  // Warm up with uploads of the same size: a fresh process's first ones also grow its heaps and code.
  for (let i = 0; i < 3; i++) assert.equal(await upload(`/upload/warm-rss-${i}`, BIG), 200);
  await heldBuffers(); // a full collection: the baseline is free of earlier garbage
  const startRss = rssBytes(node.pid);
  const rises: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < 8; i++) {
    const before = rssBytes(node.pid);
    const peak = await peakRss(async () => assert.equal(await upload(`/upload/rss-${i}`, BIG), 200));
    rises.push(peak - before);
    peaks.push(peak - startRss);
  }
  process.stdout.write(
    `# server RSS during each ${BIG / MiB} MiB upload, nothing forced from outside: over the RSS before it ${rises.map(mib).join(', ')} MiB; ` +
      `its peak over the start ${peaks.map(mib).join(', ')} MiB\n`,
  );
  // Left to V8 alone, the chunks of one upload stay resident until ~32 MiB of them have piled up.
  for (const rise of rises) assert.ok(rise < 4 * MiB, `RSS rose by ${mib(rise)} MiB during a ${BIG / MiB} MiB upload`);
  for (const peak of peaks) assert.ok(peak < 8 * MiB, `RSS peaked ${mib(peak)} MiB over its start`);
});

test('a client that drops a proxied upload half-way ends the upstream request, and the proxy goes on', { timeout: 60_000 }, async () => {
  const path = '/upload/dropped';
  const closed = upstream.closed(path);
  const { port } = new URL(node.url);
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: { ...bearer(session), 'Content-Type': 'application/octet-stream', 'Content-Length': String(BIG) },
  });
  req.on('error', () => undefined); // ours to cause
  req.write(Buffer.alloc(MiB));
  await upstream.received(path, MiB);
  req.destroy();
  // At once, not after a timeout (undici has none while it sends a body): the upstream request ends with the client's.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, 5000, 'still open 5 s after the client left')));
  assert.deepEqual(await Promise.race([closed, late]), { complete: false, bytes: MiB });
  clearTimeout(timer);
  assert.equal(await upload('/upload/after-dropped', 2 * MiB), 200);
});

test('a proxied request refused before its body is read leaves the connection usable for the next', { timeout: 20_000 }, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const body = [Buffer.alloc(512 * 1024)]; // more than the socket and the parser take in unasked
    const type = { 'Content-Type': 'application/octet-stream' };
    const post = (path: string, headers: Record<string, string>) => rawRequest(node.url, { method: 'POST', path, headers, body, agent });
    assert.equal((await post('/upload/refused', type)).status, 401); // no credential
    assert.equal((await post('/upload/%2e%2e/refused', { ...type, ...bearer(session) })).status, 400); // a dot segment
    // The same connection: were the refused bodies left unread, this request would never be parsed.
    assert.equal((await rawRequest(node.url, { path: '/upload/next', headers: bearer(session), agent })).status, 200);
    assert.equal(upstream.last().url, '/upload/next');
    assert.ok(!upstream.requests.some((r) => r.url.includes('refused')));
  } finally {
    agent.destroy();
  }
});

test('an upload sent with Expect: 100-continue (as curl sends one over 1 MiB) reaches the upstream whole', { timeout: 60_000 }, async () => {
  const headers = { ...bearer(session), 'Content-Type': 'application/octet-stream' };
  const sent = await rawRequest(node.url, { method: 'POST', path: '/upload/expecting', headers, body: [Buffer.alloc(2 * MiB)], expect: true });
  assert.equal(sent.status, 200);
  const got = upstream.last();
  assert.deepEqual([got.url, got.bytes, got.headers.expect], ['/upload/expecting', 2 * MiB, undefined]);
});

test('a Node started with --expose-gc-as (no gc function to take) still serves and proxies uploads', { timeout: 60_000 }, async () => {
  const other = await startNode({ GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_PROXY: `/upload=${upstream.url}/upload;require=anyone` }, [
    '--expose-gc-as=collect',
  ]);
  try {
    const sent = await rawRequest(other.url, {
      method: 'POST',
      path: '/upload/named-gc',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: [Buffer.alloc(MiB)],
    });
    assert.equal(sent.status, 200);
    assert.equal(upstream.last().bytes, MiB);
  } finally {
    await other.stop();
  }
});
