/**
 * Assembles a Gatehouse app (`buildApp(config)` for tests, `cli.ts serve` for people).
 * The request path is straight: route → resolveCredential → refuseCrossSiteForms → requireAdmin →
 * handler → document; errors leave through one handler (dream/error-handler.ts).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { unescape } from 'node:querystring';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { answerPreflight } from './auth/browser-token.js';
import { stages as makeStages } from './auth/stages.js';
import type { RawBody } from './dream/body.js';
import { answerClientError, makeErrorHandler, sendError } from './dream/error-handler.js';
import { parseQuery } from './dream/query.js';
import { DekiError } from './errors.js';
import { pageRoutes } from './pages/routes.js';
import { authorizationRoutes, oauthRoutes } from './oauth/routes.js';
import { openSite, recordSiteUrl } from './open.js';
import type { Store } from './store/database.js';
import { tokenRoutes } from './tokens/routes.js';
import { UsageRecorder } from './usage/recorder.js';
import { usagePruning } from './usage/pruning.js';
import { auditRetention } from './audit/retention.js';
import { Pruner } from './store/pruner.js';
import { BacklogIndexer } from './store/token-search-backlog.js';
import { usageRoutes } from './usage/routes.js';
import { auditRoutes } from './audit/routes.js';
import { authenticateRoutes } from './users/authenticate.js';
import { userRoutes } from './users/routes.js';
import { dashboardRoutes } from './web/dashboard.js';
import { readiness as makeReadiness, type Readiness } from './ops/health.js';
import { instrumentHttp, meteredCredentialStage } from './ops/http-metrics.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { operationsRoutes } from './ops/routes.js';
import { siteSources } from './ops/sources.js';
import { gatewayRoutes } from './gateway/routes.js';

export interface BuiltApp {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly store: Store;
  /** Token usage gathered in memory and written in batches. */
  readonly usage: UsageRecorder;
  /** Deletes audit entries past their retention and usage rows past 30 days, in the background. */
  readonly pruner: Pruner;
  /** Printed once by `serve` on a site's first start without GATEHOUSE_ADMIN_PASSWORD. */
  readonly generatedAdminPassword: string | undefined;
  readonly metrics: Metrics;
  /** What `/@gatehouse/health/ready` reports; shutdown drains it first. */
  readonly readiness: Readiness;
  /**
   * Listens on the configured host and port, and returns the address. On port 0 a site URL that
   * follows the port (`http://localhost:0`, the default) becomes the bound port's, before any request.
   */
  listen(): Promise<string>;
}

export interface BuildOptions {
  /** PostgreSQL URL; SQLite in the data directory when absent. */
  databaseUrl?: string | undefined;
  /** Where the log goes; stdout when absent. Tests keep each server's log in a file to scan it for credentials. */
  logStream?: DestinationStream | undefined;
  /** Where this app counts; a registry of its own when absent. */
  metrics?: Metrics | undefined;
}

/**
 * Query parameters whose values must never reach a log: a signature in `x-deki-token`, passwords,
 * session and OAuth credentials. Matched on the decoded, lower-cased name, because the
 * query parser decodes names: `?x%2Ddeki%2Dtoken=` is read as `x-deki-token`, so it is redacted as one.
 */
const SECRET_PARAMS = new Set([
  'x-deki-token',
  'accountpassword',
  'authtoken',
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'device_code',
  'user_code',
  'token',
]);

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.has(unescape(name.replace(/\+/g, ' ')).trim().toLowerCase()) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q + 1)}${pairs.join('&')}`;
}

/** Fields redacted wherever a log line carries them, beside the request serializer that keeps only method, URL and IP. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-deki-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['secret', 'authorization', 'authtoken', 'password', 'jwt', 'cookie'].flatMap((f) => [f, `*.${f}`]),
];

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<BuiltApp> {
  // The feed may fail before the app (and its logger) exists; report through whichever is there.
  let logFeedError = (_err: unknown, _where: string): void => undefined;
  const metrics = opts.metrics ?? createMetrics();
  const site = await openSite(config, { databaseUrl: opts.databaseUrl, role: 'server', onFeedError: (err, where) => logFeedError(err, where), metrics });
  const { ctx, store, generatedAdminPassword } = site;
  const readiness = makeReadiness({ feed: site.feed, keys: ctx.keys, boundMs: config.stalenessBoundMs });
  metrics.watch(siteSources(site));
  const usage = new UsageRecorder(ctx.db, { flushMs: config.usageFlushMs, unusedDays: config.unusedDays, now: config.now, onFlush: metrics.usageFlushed });
  usage.start();
  const pruner = new Pruner([auditRetention(ctx.db, config.auditRetentionDays, config.now), ...usagePruning(ctx.db, config.now)], {
    batchSize: 1000,
    firstMs: 60_000,
    intervalMs: 3_600_000,
    onError: (err, task) => app.log.warn({ err, task }, 'pruning old rows failed; the next sweep retries'),
  });
  pruner.start();
  const searchIndexer = new BacklogIndexer(ctx.db, {
    intervalMs: 1000,
    batchSize: 2000,
    onError: (err) => app.log.warn({ err }, 'indexing new tokens for search failed; the next second retries (searches still find them)'),
  });
  searchIndexer.start();
  const stages = makeStages(ctx, usage);

  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
      },
      stream: opts.logStream,
    },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    // While closing, a request on an open connection is still answered (with Connection: close), not 503'd.
    return503OnClosing: false,
    bodyLimit: config.bodyLimit,
    // Header values of 16 KiB (long JWTs, cookies) must reach us so we can answer with a document.
    http: { maxHeaderSize: 64 * 1024 },
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true, querystringParser: parseQuery },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, config.bodyLimit),
    frameworkErrors: (err, request, reply) => sendError(request as FastifyRequest, reply as FastifyReply, err, config),
  });

  instrumentHttp(app, metrics);
  await app.register(cookie);
  app.setErrorHandler(makeErrorHandler(config, config.bodyLimit));
  app.setNotFoundHandler(async () => {
    throw new DekiError('NOT_FOUND');
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  // Bodies are kept as text; handlers parse them after the credential check (dream/body.ts).
  app.removeAllContentTypeParsers();
  const collect = (format: RawBody['format']) => (_req: unknown, text: string | Buffer, done: (err: Error | null, body?: RawBody) => void) =>
    done(null, { format, text: String(text) });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, collect('json'));
  app.addContentTypeParser(/^application\/[\w.+-]*\+json$/, { parseAs: 'string' }, collect('json'));
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, collect('xml'));
  app.addContentTypeParser(/^application\/[\w.+-]*\+xml$/, { parseAs: 'string' }, collect('xml'));
  app.addContentTypeParser('*', { parseAs: 'string' }, collect('text'));

  await app.register(
    async (api) => {
      api.options('/*', async (request, reply) => answerPreflight(ctx, request, reply));
      await api.register(async (authed) => {
        authed.decorateRequest('principal', null as never);
        authed.addHook('onRequest', meteredCredentialStage(metrics, stages.resolveCredential));
        authed.addHook('onRequest', stages.refuseCrossSiteForms);
        await authed.register(authenticateRoutes(ctx, stages));
        await authed.register(userRoutes(ctx, stages));
        await authed.register(tokenRoutes(ctx, stages, usage));
        await authed.register(usageRoutes(ctx, stages, usage));
        await authed.register(auditRoutes(ctx, stages));
        await authed.register(pageRoutes(ctx));
        await authed.register(authorizationRoutes(ctx));
      });
    },
    { prefix: '/@api/deki' },
  );
  await app.register(oauthRoutes(ctx)); // /@app/auth/1/token/…: OAuth apps, outside /@api/deki
  await app.register(gatewayRoutes(ctx, meteredCredentialStage(metrics, stages.resolveCredential))); // /@gatehouse/verify and the GATEHOUSE_PROXY routes

  app.get('/', async (_request, reply) => reply.redirect('/dashboard/integrations/api-tokens', 302));
  await app.register(dashboardRoutes());
  await app.register(operationsRoutes({ metrics, readiness, metricsToken: config.metricsToken }));

  logFeedError = (err, where) => {
    if (where === 'poll') {
      readiness.storeFailed(err);
      metrics.storeError('change_feed');
    }
    app.log.warn({ err, where }, 'change feed: cannot confirm the cache is current');
  };
  app.addHook('onClose', async () => {
    await pruner.stop();
    await searchIndexer.stop();
    await usage.stop();
    await site.close();
  });
  const listen = async (): Promise<string> => {
    const address = await app.listen({ host: config.host, port: config.port });
    const site = new URL(config.siteUrl);
    if (config.port === 0 && site.port === '0') {
      site.port = String((app.server.address() as AddressInfo).port);
      config.siteUrl = site.origin + site.pathname.replace(/\/+$/, '');
      await recordSiteUrl(ctx.db, config.siteUrl);
    }
    return address;
  };
  return { app, ctx, store, usage, pruner, generatedAdminPassword, metrics, readiness, listen };
}
