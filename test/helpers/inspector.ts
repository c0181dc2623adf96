/**
 * Talks to a child process's V8 inspector (`node --inspect`) to ask it for a full garbage
 * collection and its memory figures afterwards: what the process still holds, free of the garbage
 * V8 has not yet collected. A minimal WebSocket client (one text frame out, one back per call), so
 * the tests need no WebSocket package and run the same on every supported Node version.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

export interface Inspector {
  /** A full collection, then `process.memoryUsage()` of the inspected process. */
  liveMemory(): Promise<NodeJS.MemoryUsage>;
  close(): void;
}

export async function connectInspector(wsUrl: string): Promise<Inspector> {
  const url = new URL(wsUrl);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (_res, sock) => resolve(sock));
    req.on('response', (res) => reject(new Error(`inspector answered ${res.statusCode} instead of upgrading`)));
    req.on('error', reject);
    req.end();
  });
  let pending = Buffer.alloc(0);
  const replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    for (;;) {
      const frame = readFrame(pending);
      if (!frame) return;
      pending = pending.subarray(frame.size);
      const message = JSON.parse(frame.text) as { id?: number; result?: unknown; error?: { message: string } };
      const reply = message.id === undefined ? undefined : replies.get(message.id);
      if (!reply) continue; // an event
      replies.delete(message.id!);
      if (message.error) reply.reject(new Error(message.error.message));
      else reply.resolve(message.result);
    }
  });
  let nextId = 1;
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      replies.set(id, { resolve, reject });
      socket.write(textFrame(JSON.stringify({ id, method, params })));
    });
  return {
    async liveMemory() {
      await call('HeapProfiler.collectGarbage');
      const result = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
        result: { value: string };
      };
      return JSON.parse(result.result.value) as NodeJS.MemoryUsage;
    },
    close: () => socket.destroy(),
  };
}

/** A client's text frame: final, masked, as the protocol requires of clients; our commands are short. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 65536) throw new RangeError('inspector command too long for this client');
  const mask = crypto.randomBytes(4);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

/** One unmasked server frame from the front of `buf`, or undefined until it has all arrived. */
function readFrame(buf: Buffer): { text: string; size: number } | undefined {
  if (buf.length < 2) return undefined;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf.length < offset + length) return undefined;
  return { text: buf.subarray(offset, offset + length).toString(), size: offset + length };
}
