/**
 * Runs `gatehouse serve` as a real child process: a node of a multi-node deployment. When the run
 * keeps logs (`GATEHOUSE_TEST_LOG_DIR`, see log-capture.ts), the node logs at trace level and its
 * output goes to a file there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { nextLogFile } from './log-capture.js';
import { tempDir } from './server.js';

export interface NodeProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The inspector's WebSocket URL, when the node was started with `--inspect`. */
  readonly inspectorUrl?: string;
  stop(): Promise<void>;
}

/** `nodeArgs` go to Node itself, before the script (e.g. `--inspect=127.0.0.1:0`). */
export async function startNode(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<NodeProcess> {
  const logFile = nextLogFile('node');
  // PORT=0: the node binds a free port itself and says which in its "listening" line.
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: tempDir(), GATEHOUSE_LOG_LEVEL: logFile ? 'trace' : 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logFile ? fs.openSync(logFile, 'a') : undefined;
  child.once('close', () => log !== undefined && fs.closeSync(log));
  let output = ''; // only until it listens: a node logging at trace writes a lot
  const url = await new Promise<string>((resolve, reject) => {
    let started = false;
    const collect = (d: Buffer) => {
      if (log !== undefined) fs.writeSync(log, d);
      if (started) return;
      output += d.toString();
      const listening = /Gatehouse listening on (http:\/\/[^\s]+)/.exec(output);
      if (listening) {
        started = true;
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start within 30 s: ${output}`));
    }, 30_000);
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`node exited (${code}): ${output}`));
    });
  });
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  return {
    url,
    inspectorUrl,
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
