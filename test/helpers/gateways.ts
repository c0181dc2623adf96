/**
 * Real nginx and Caddy for gateway tests and the bench, run as child processes: the configuration
 * is the one in deploy/ (the README shows the same files), with its example addresses replaced by
 * the ports of this run, written to a temporary directory with the process's own pid, log and
 * temp paths. Nothing needs root or a system path. A missing binary fails the run in CI and skips
 * the tests elsewhere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEPLOY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy');

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';

/** The example addresses in deploy/ files, and what a run puts in their place. */
export interface GatewayPorts {
  readonly gateway: number;
  readonly gatehouse: number;
  readonly upstream: number;
}

/** A deploy/ file with its example addresses replaced; each must be there, or the file changed under the tests. */
export function deployFile(name: string, ports: GatewayPorts): string {
  let text = fs.readFileSync(path.join(DEPLOY, name), 'utf8');
  for (const [example, port] of [
    ['127.0.0.1:8000', ports.gateway],
    ['127.0.0.1:8080', ports.gatehouse],
    ['127.0.0.1:9000', ports.upstream],
  ] as const) {
    if (!text.includes(example)) throw new Error(`deploy/${name} no longer names ${example}`);
    text = text.replaceAll(example, `127.0.0.1:${port}`);
  }
  return text;
}

/** undefined when `binary` is there; else why the tests skip. In CI a missing gateway is a failure, not a skip. */
export function missing(binary: string): string | undefined {
  if (fs.existsSync(binary)) return undefined;
  const why = `${binary} is not installed (Debian: apt-get install ${path.basename(binary)})`;
  if (process.env.CI === 'true') throw new Error(`${why}: CI must run the gateway tests`);
  return why;
}

export interface Gateway {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Resolves once something accepts connections on the port; rejects if the process exits first. */
async function listening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  let exited = false;
  child.once('close', () => (exited = true)); // 'close': its output is all in by then
  for (;;) {
    if (exited) throw new Error(`gateway exited before listening: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function run(binary: string, args: string[], env: NodeJS.ProcessEnv, port: number, dir: string, logFile: string): Promise<Gateway> {
  const child = spawn(binary, args, { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const log = () => `${output}${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-4000) : ''}`;
  await listening(child, port, log);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface NginxOptions {
  readonly workers?: number;
  /**
   * Requests a client connection may carry before nginx closes it (nginx's default is 1,000). A load
   * generator holding a few connections open reaches that every second or so, and then loses the
   * request it had already written, so the bench lifts it to compare like with like.
   */
  readonly keepaliveRequests?: number;
}

/** nginx with deploy/nginx.conf inside an http {} block of its own, in `dir`. */
export async function startNginx(ports: GatewayPorts, dir: string, o: NginxOptions = {}): Promise<Gateway> {
  const errorLog = path.join(dir, 'error.log');
  fs.writeFileSync(path.join(dir, 'gatehouse.conf'), deployFile('nginx.conf', ports));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, `${t}-temp`)};`).join('\n');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;\nworker_processes ${o.workers ?? 1};\npid ${path.join(dir, 'nginx.pid')};\nerror_log ${errorLog} warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n${o.keepaliveRequests ? `  keepalive_requests ${o.keepaliveRequests};\n` : ''}${temp}\n  include ${path.join(dir, 'gatehouse.conf')};\n}\n`,
  );
  return run(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', errorLog], {}, ports.gateway, dir, errorLog);
}

/** Caddy with deploy/Caddyfile, its admin endpoint off and its data and config under `dir`. */
export async function startCaddy(ports: GatewayPorts, dir: string): Promise<Gateway> {
  const file = path.join(dir, 'Caddyfile');
  fs.writeFileSync(file, `{\n\tadmin off\n}\n\n${deployFile('Caddyfile', ports)}`);
  const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  return run(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], env, ports.gateway, dir, path.join(dir, 'caddy.log'));
}

/** The forward-auth gateways the tests put in front of Gatehouse: name, binary, and how to start it. */
export const FORWARD_AUTH_GATEWAYS: [string, string, (ports: GatewayPorts, dir: string) => Promise<Gateway>][] = [
  ['nginx auth_request', NGINX, startNginx],
  ['Caddy forward_auth', CADDY, startCaddy],
];
