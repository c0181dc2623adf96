/** The `gatehouse` command tree. `cli.ts` runs it; tests build it to check its help. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { signServerToken, type SignatureFormat } from '../../client/sign.js';
import { addBackupCommand } from './backup.js';
import { addConfigCommand } from './config-command.js';
import { addServeCommand } from './serve-command.js';
import { addKeyCommands } from './key-commands.js';
import { addTokenCommands } from './token-commands.js';
import { addUserCommands } from './user-commands.js';

/** The version in the package.json above this file (in the source tree and in `dist/` alike). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Self-hosted API token server, wire-compatible with CXone Expert')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  addServeCommand(program);
  addTokenCommands(program);
  addUserCommands(program);
  addKeyCommands(program);
  addConfigCommand(program);
  addBackupCommand(program);

  program
    .command('sign')
    .description('print an X-Deki-Token value for a server token')
    .requiredOption('--key <key>', 'token key (required)')
    .requiredOption('--secret <secret>', 'token secret (required)')
    .option('--user <user>', "user id, or '=' and a username", '2')
    .option('--epoch <seconds>', 'Unix time to sign (default now)')
    .addOption(new Option('--format <format>', 'signature format').choices(['tkn', 'legacy', 'int', 'userless']).default('tkn'))
    .action((o: { key: string; secret: string; user: string; epoch?: string; format: SignatureFormat }) => {
      if (o.epoch !== undefined && !/^\d{1,12}$/.test(o.epoch)) throw new TypeError('--epoch must be Unix seconds, such as 1413073249');
      process.stdout.write(
        signServerToken({ key: o.key, secret: o.secret, user: o.user, format: o.format, epoch: o.epoch ? Number(o.epoch) : undefined }) + '\n',
      );
    });
  return program;
}
