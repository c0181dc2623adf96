/** The `gatehouse` command tree. `cli.ts` runs it; tests build it to check its help. */
import { Command, Option } from 'commander';
import { signServerToken, type SignatureFormat } from '../../client/sign.js';
import { addBackupCommand } from './backup.js';
import { addConfigCommand } from './config-command.js';
import { addServeCommand } from './serve-command.js';
import { addKeyCommands } from './key-commands.js';
import { addTokenCommands } from './token-commands.js';
import { addUserCommands } from './user-commands.js';

export function buildProgram(): Command {
  const program = new Command('gatehouse').description('Self-hosted API token server, wire-compatible with CXone Expert').showHelpAfterError();

  addServeCommand(program);
  addTokenCommands(program);
  addUserCommands(program);
  addKeyCommands(program);
  addConfigCommand(program);
  addBackupCommand(program);

  program
    .command('sign')
    .description('print an X-Deki-Token value for a server token')
    .requiredOption('--key <key>', 'token key')
    .requiredOption('--secret <secret>', 'token secret')
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
