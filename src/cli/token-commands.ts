/** `gatehouse token create|list|show|revoke`: developer tokens, straight on the site's store. */
import { type Command, Option } from 'commander';
import { DekiError } from '../errors.js';
import { assertTokenAllowed, createToken } from '../tokens/create.js';
import { auditFromCli } from '../audit/entry.js';
import { readCreateInput } from '../tokens/input.js';
import { deleteToken, findTokenById, findTokenListing, type TokenListing } from '../tokens/store.js';
import { ADMIN_ID } from '../users/store.js';
import { type UsageFigures, UsageRecorder } from '../usage/recorder.js';
import { print, type SiteFlags, siteOptions, userByRef, withSite } from './site.js';
import { addTokenListCommand } from './token-list.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function tokenSummary(t: TokenListing, u?: UsageFigures) {
  return {
    id: t.id,
    type: t.type,
    name: t.name,
    key: t.key,
    host: t.host,
    redirectUris: t.redirect_uris,
    restrictedByUserId: t.restricted_user_id,
    restrictedByUsername: t.restricted_username,
    jwtIssued: t.jwt_user_id !== null,
    jwtUserId: t.jwt_user_id,
    created: new Date(t.created_at).toISOString(),
    createdBy: t.created_by_username,
    expires: iso(t.expires_at),
    rolledFrom: t.rolled_from,
    ...(u
      ? {
          lastUsed: iso(u.lastUsedAt),
          lastIp: u.lastIp ?? null,
          lastUserAgent: u.lastUserAgent ?? null,
          lastUserId: u.lastUserId ?? null,
          requests24h: u.requests24h,
          requests30d: u.requests30d,
          failures30d: u.failures30d,
          clients30d: u.clients30d,
          unused: u.unused,
        }
      : {}),
  };
}

export function addTokenCommands(program: Command): void {
  const token = program.command('token').description('manage developer tokens');

  siteOptions(token.command('create'))
    .description('create a token; prints its key, and its secret and JWT this one time')
    .addOption(new Option('--type <type>', 'token type').choices(['server', 'browser', 'oauth']).default('server'))
    .requiredOption('--name <name>', 'a name that says which integration uses it (required)')
    .option('--host <patterns>', 'allowed host patterns, comma-separated, e.g. *.example.com or https://app.example.com:8443 (browser, oauth)')
    .option(
      '--redirect-uri <uri>',
      'a redirect URI of an OAuth app, matched exactly; repeat for several (oauth)',
      (uri: string, all: string[]) => [...all, uri],
      [] as string[],
    )
    .option('--restricted-user <id>', 'restrict a server token to this user id (also issues a JWT for them)')
    .option('--jwt', 'issue a long-term JWT (server tokens)')
    .option('--expires <date>', 'stop working at this date (ISO 8601, e.g. 2027-01-31T00:00:00Z)')
    .option('--as <user>', 'the admin recorded as creator (id or name)', String(ADMIN_ID))
    .option('--json', 'print JSON')
    .action(
      async (
        o: SiteFlags & {
          type: string;
          name: string;
          host?: string;
          redirectUri: string[];
          restrictedUser?: string;
          jwt?: boolean;
          expires?: string;
          as: string;
          json?: boolean;
        },
      ) =>
        withSite(o, async (site) => {
          await assertTokenAllowed(site.ctx, true);
          const creator = await userByRef(site, o.as);
          const doc: Record<string, unknown> = { '@type': o.type, name: o.name };
          if (o.host !== undefined) doc.host = o.host;
          if (o.redirectUri.length > 0) doc['redirect-uris'] = o.redirectUri.join(' ');
          if (o.restrictedUser !== undefined) doc['restricted-by-user-id'] = o.restrictedUser;
          if (o.jwt) doc['generate-jwt'] = 'true';
          if (o.expires) doc.expires = o.expires;
          const created = await createToken(site.ctx, await readCreateInput(site.ctx.db, doc, site.ctx.config.now()), creator.id, {
            audit: (t) => [auditFromCli('token.create', { type: 'token', id: t.id }, { name: t.name, type: t.type })],
          });
          const out = {
            id: created.token.id,
            type: created.token.type,
            name: created.token.name,
            key: created.token.key,
            secret: created.secret,
            jwt: created.jwt,
          };
          print(!!o.json, out, () =>
            [
              `Token ${out.id} (${out.type}) created: ${out.name}`,
              `key:    ${out.key}`,
              out.secret ? `secret: ${out.secret}` : '',
              out.jwt ? `jwt:    ${out.jwt}` : '',
              out.secret || out.jwt ? 'The secret and JWT are not shown again: store them now.' : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        }),
    );

  addTokenListCommand(token, (t) => tokenSummary(t));

  siteOptions(token.command('show <id>'))
    .description('show one token (never its secret)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: SiteFlags & { json?: boolean }) =>
      withSite(o, async (site) => {
        const t = /^\d+$/.test(id) ? await findTokenListing(site.ctx.db, Number(id)) : undefined;
        if (!t) throw new DekiError('TOKEN_NOT_FOUND');
        // What servers have written; each holds up to GATEHOUSE_USAGE_FLUSH_MS of figures in memory.
        const usage = new UsageRecorder(site.ctx.db, {
          flushMs: site.ctx.config.usageFlushMs,
          unusedDays: site.ctx.config.unusedDays,
          now: site.ctx.config.now,
        });
        const s = tokenSummary(t, (await usage.figures([t])).get(t.id));
        print(!!o.json, s, () =>
          Object.entries(s)
            .map(([k, v]) => `${k}: ${v ?? ''}`)
            .join('\n'),
        );
      }),
    );

  siteOptions(token.command('revoke <id>'))
    .description('delete a token: its signatures and JWT stop working at once, and on running servers within the staleness bound (1 s)')
    .action(async (id: string, o: SiteFlags) =>
      withSite(o, async (site) => {
        const token = /^\d+$/.test(id) ? await findTokenById(site.ctx.db, Number(id)) : undefined;
        // The same details as the API's entry: which token it was, now that it is gone.
        if (
          !token ||
          !(await deleteToken(
            site.ctx.changes,
            token.id,
            auditFromCli('token.delete', { type: 'token', id: token.id }, { name: token.name, type: token.type }),
          ))
        )
          throw new DekiError('TOKEN_NOT_FOUND');
        process.stdout.write(`Token ${id} revoked.\n`);
      }),
    );
}
