/** Gatehouse in front of other APIs: the forward-auth endpoint and the built-in proxy's routes. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { CredentialStage } from './check.js';
import { proxyRoute } from './proxy.js';
import { UploadCollector } from './upload-collector.js';
import { verifyRoute } from './verify.js';

export function gatewayRoutes(ctx: AppContext, resolveCredential: CredentialStage) {
  return async (app: FastifyInstance) => {
    if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null as never);
    await app.register(verifyRoute(ctx, resolveCredential));
    if (ctx.config.proxyRoutes.length === 0) return;
    const uploads = UploadCollector.create(ctx.config.proxyUploadCollectMiB * 1024 * 1024);
    if (!uploads && ctx.config.proxyUploadCollectMiB > 0) {
      app.log.warn('V8 gave no gc function (--expose-gc-as?): proxied uploads are left to its own collections and may stay resident for longer');
    }
    for (const route of ctx.config.proxyRoutes) await app.register(proxyRoute(ctx, resolveCredential, route, uploads));
  };
}
