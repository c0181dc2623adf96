/**
 * A 10 MB upload through the built-in proxy streams: a real `gatehouse serve` process (its body
 * limit is 64 KiB, so a parsed body would be refused) passes the first half on to the upstream
 * while the client still holds back the rest (a proxy that buffered would never answer), every byte
 * arrives, and what the server holds, measured after a full garbage collection asked of it through
 * its inspector, stays within a MiB: mid-upload and after many uploads. Its resident memory (from
 * /proc) is printed: it rises with the garbage V8 has not yet collected (Node copies each body
 * chunk into a Buffer of its own; README.md says when V8 frees them), which depends on the
 * machine's load, so it is reported rather than asserted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { bearer, signIn } from './helpers/http.js';
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

/** What the server's buffers hold once garbage is collected: Buffers and other ArrayBuffers, in bytes. */
const heldBuffers = async () => (await inspector.liveMemory()).arrayBuffers;

test('a 10 MB upload streams through the built-in proxy without the server holding it', { timeout: 120_000 }, async () => {
  // Warm up the path (code, pools, buffers) so what follows measures uploads alone.
  for (let i = 0; i < 3; i++) assert.equal(await upload(`/upload/warm-${i}`, 2 * MiB), 200);
  const startHeld = await heldBuffers();
  const startRss = rssBytes(node.pid); // after that collection: garbage of the warm-up is gone
  const peaks: number[] = [];
  const midUpload: number[] = [];
  for (let i = 0; i < UPLOADS; i++) {
    const hold = { after: BIG / 2, then: async () => void midUpload.push((await heldBuffers()) - startHeld) };
    peaks.push(await peakRss(async () => assert.equal(await upload(`/upload/big-${i}`, BIG, hold), 200)));
  }
  const endHeld = (await heldBuffers()) - startHeld;
  for (let i = 0; i < UPLOADS; i++) assert.equal(upstream.requests.find((r) => r.url === `/upload/big-${i}`)?.bytes, BIG);
  const mib = (bytes: number) => `${bytes < 0 ? '' : '+'}${(bytes / MiB).toFixed(2)}`;
  process.stdout.write(
    `# held by the server's buffers after a full collection, over its start: half-way through each ${BIG / MiB} MiB upload ${midUpload.map(mib).join(', ')} MiB; after all ${mib(endHeld)} MiB\n` +
      `# server RSS over its start, at its peak during each upload: ${peaks.map((p) => mib(p - startRss)).join(', ')} MiB; at the end ${mib(rssBytes(node.pid) - startRss)} MiB, for ${(UPLOADS * BIG) / MiB} MiB uploaded\n`,
  );
  // Half-way through, the upstream has 5 MiB and the client holds back the rest: a proxy that kept
  // what it forwarded (or read ahead of the upstream) would hold MiBs here; one that streams holds
  // at most a few 64 KiB chunks in flight.
  for (const held of midUpload) assert.ok(held < MiB, `the server held ${mib(held)} MiB half-way through an upload`);
  assert.ok(endHeld < MiB, `the server held ${mib(endHeld)} MiB after ${UPLOADS} uploads`);
});
