import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../http-server.js';
import { hashToken, type ApiRole, type ApiToken } from './security-config.js';

/**
 * Who may call a route, set in the route's `config.access`:
 * `public` (health, readiness, metrics), `signed` (the route checks its own webhook signatures),
 * `read` (the default for every other route), `admin` (erasure, replays).
 */
export type RouteAccess = 'public' | 'signed' | ApiRole;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Open whatever registers them: probes and scrapers carry no token. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/livez', '/metrics']);

export interface AccessControlOptions {
  readonly tokens: readonly ApiToken[];
}

const RANK: Record<ApiRole, number> = { read: 1, admin: 2 };

/**
 * Bearer tokens on every route not marked otherwise (deny by default, so a route added later is
 * protected unless it says it is public). The token is hashed and compared with every configured
 * hash in constant time. The web pages also take the token as the password of HTTP Basic
 * authentication, so a browser can ask for it without any script on the page.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  const hashes = options.tokens.map((token) => ({ token, digest: Buffer.from(token.sha256, 'hex') }));
  const roleOf = (presented: string): ApiToken | undefined => {
    const digest = Buffer.from(hashToken(presented), 'hex');
    let found: ApiToken | undefined;
    // Every hash is compared, whichever matches, so the time taken says nothing about which did.
    for (const candidate of hashes)
      if (timingSafeEqual(candidate.digest, digest) && found === undefined) found = candidate.token;
    return found;
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const access: RouteAccess = PUBLIC_PATHS.has(path) ? 'public' : (request.routeOptions.config?.access ?? 'read');
    if (access === 'public' || access === 'signed') return;
    const presented = presentedToken(request.headers.authorization);
    const token = presented === undefined ? undefined : roleOf(presented);
    if (token === undefined) {
      request.log.info(
        { path, reason: presented === undefined ? 'no token' : 'unknown token' },
        'request refused: not authenticated',
      );
      const challenge = path.startsWith('/ui') ? 'Basic realm="tickets", charset="UTF-8"' : 'Bearer realm="tickets"';
      return reply
        .code(401)
        .header('www-authenticate', challenge)
        .send(errorBody('AUTH.UNAUTHORIZED', 'a valid bearer token is required'));
    }
    if (RANK[token.role] < RANK[access]) {
      request.log.info(
        { path, token: token.name, role: token.role, required: access },
        'request refused: role too low',
      );
      return reply.code(403).send(errorBody('AUTH.FORBIDDEN', `this needs the ${access} role`));
    }
  });
}

function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (value === undefined) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    // Any user name; the password is the token.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}
