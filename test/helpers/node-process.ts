/**
 * Runs `gatehouse serve` as a real child process: a node of a multi-node deployment. When the run
 * keeps logs (`GATEHOUSE_TEST_LOG_DIR`, see log-capture.ts), the node logs at trace level and its
 * output goes to a file there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { nextLogFile } from './log-capture.js';
import { freePort, tempDir } from './server.js';

export interface NodeProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startNode(env: NodeJS.ProcessEnv): Promise<NodeProcess> {
  const port = await freePort();
  const logFile = nextLogFile('node');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: tempDir(), GATEHOUSE_LOG_LEVEL: logFile ? 'trace' : 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logFile ? fs.openSync(logFile, 'a') : undefined;
  let output = '';
  let started = false;
  const collect = (d: Buffer) => {
    if (log !== undefined) fs.writeSync(log, d);
    if (!started) output += d.toString(); // only until it listens: a node logging at trace writes a lot
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.once('close', () => log !== undefined && fs.closeSync(log));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}): ${output}`);
    if (output.includes('Gatehouse listening')) {
      started = true;
      break;
    }
    if (Date.now() > deadline) throw new Error(`node did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
