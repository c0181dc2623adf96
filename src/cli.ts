/**
 * The `gatehouse` command: `serve`, `token create|list|show|revoke`,
 * `user create|list|update`, `sign`. Admin commands work on the data directory (or
 * GATEHOUSE_DATABASE_URL) directly, so they need no running server and no credential.
 */
import { cliMessage } from './cli/flag-errors.js';
import { buildProgram } from './cli/program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`gatehouse: ${cliMessage(err)}\n`);
    process.exitCode = 1;
  });
