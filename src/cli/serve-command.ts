/** `gatehouse serve`: check the configuration, wait for the database, listen, shut down on a signal. */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { parseProxyRoutes } from '../gateway/proxy-routes.js';
import { handleSignals } from '../ops/shutdown.js';
import { checkBeforeOpening } from '../ops/startup.js';
import { buildApp } from '../server.js';
import { say } from './site.js';

interface ServeFlags {
  host?: string;
  port?: string;
  siteUrl?: string;
  dataDir?: string;
  databaseUrl?: string;
  proxy: string[];
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the server (SQLite in the data directory unless GATEHOUSE_DATABASE_URL is set)')
    .option('--host <host>', 'listen address (HOST, default 127.0.0.1)')
    .option('--port <port>', 'listen port (PORT, default 8080)')
    .option('--site-url <url>', 'public URL of the site (GATEHOUSE_SITE_URL)')
    .option('--data-dir <dir>', 'data directory (GATEHOUSE_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (GATEHOUSE_DATABASE_URL)')
    .option(
      '--proxy <route>',
      'proxy PREFIX=UPSTREAM_URL[;require=anyone|user|seated|admin] after checking credentials; repeatable (replaces GATEHOUSE_PROXY)',
      (route: string, routes: string[]) => [...routes, route],
      [] as string[],
    )
    .action(async (o: ServeFlags) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...(o.host ? { HOST: o.host } : {}),
        ...(o.port ? { PORT: o.port } : {}),
        ...(o.siteUrl ? { GATEHOUSE_SITE_URL: o.siteUrl } : {}),
        ...(o.dataDir ? { GATEHOUSE_DATA_DIR: o.dataDir } : {}),
        ...(o.databaseUrl ? { GATEHOUSE_DATABASE_URL: o.databaseUrl } : {}),
      };
      const config = loadConfig(env, o.proxy.length > 0 ? { proxyRoutes: parseProxyRoutes('--proxy', o.proxy) } : {});
      await checkBeforeOpening(config, say);
      const built = await buildApp(config, { databaseUrl: config.databaseUrl });
      const address = await built.listen();
      // Before the line that says we listen: whoever waits for it may signal at once.
      handleSignals(built, { drainMs: config.shutdownDrainMs, timeoutMs: config.shutdownTimeoutMs, say, exit: (code) => process.exit(code) });
      process.stdout.write(`Gatehouse listening on ${address} (site URL ${config.siteUrl}, data in ${config.dataDir})\n`);
      for (const r of config.proxyRoutes) process.stdout.write(`Proxying ${r.prefix}/ to ${r.origin}${r.basePath}/ (require=${r.require})\n`);
      if (built.generatedAdminPassword) {
        process.stdout.write(
          `Bootstrap admin created: username 'admin', password '${built.generatedAdminPassword}' (shown once; set GATEHOUSE_ADMIN_PASSWORD to choose it)\n`,
        );
      }
    });
}
