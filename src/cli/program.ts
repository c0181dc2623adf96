/** The `gatehouse` command tree. `cli.ts` runs it; tests build it to check its help. */
import { Command, Option } from 'commander';
import { signServerToken, type SignatureFormat } from '../../client/sign.js';
import { loadConfig } from '../config.js';
import { buildApp } from '../server.js';
import { addKeyCommands } from './key-commands.js';
import { addTokenCommands } from './token-commands.js';
import { addUserCommands } from './user-commands.js';

export function buildProgram(): Command {
  const program = new Command('gatehouse').description('Self-hosted API token server, wire-compatible with CXone Expert').showHelpAfterError();

  program
    .command('serve')
    .description('start the server (SQLite in the data directory unless GATEHOUSE_DATABASE_URL is set)')
    .option('--host <host>', 'listen address (HOST, default 127.0.0.1)')
    .option('--port <port>', 'listen port (PORT, default 8080)')
    .option('--site-url <url>', 'public URL of the site (GATEHOUSE_SITE_URL)')
    .option('--data-dir <dir>', 'data directory (GATEHOUSE_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (GATEHOUSE_DATABASE_URL)')
    .action(async (o: { host?: string; port?: string; siteUrl?: string; dataDir?: string; databaseUrl?: string }) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...(o.host ? { HOST: o.host } : {}),
        ...(o.port ? { PORT: o.port } : {}),
        ...(o.siteUrl ? { GATEHOUSE_SITE_URL: o.siteUrl } : {}),
      };
      if (o.dataDir) env.GATEHOUSE_DATA_DIR = o.dataDir;
      const config = loadConfig(env);
      const { app, generatedAdminPassword, listen } = await buildApp(config, { databaseUrl: o.databaseUrl ?? process.env.GATEHOUSE_DATABASE_URL });
      const address = await listen();
      process.stdout.write(`Gatehouse listening on ${address} (site URL ${config.siteUrl}, data in ${config.dataDir})\n`);
      if (generatedAdminPassword) {
        process.stdout.write(
          `Bootstrap admin created: username 'admin', password '${generatedAdminPassword}' (shown once; set GATEHOUSE_ADMIN_PASSWORD to choose it)\n`,
        );
      }
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => void app.close().then(() => process.exit(0)));
      }
    });

  addTokenCommands(program);
  addUserCommands(program);
  addKeyCommands(program);

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
