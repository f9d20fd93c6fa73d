import Provider from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { checkPassword, findDemoAccount, roleClaims } from './accounts';
import { errorPage, loggedOutPage, loginPage, logoutPage } from './pages';

/**
 * The local OpenID Provider (oidc-provider, OpenID-certified) that `npm start` mounts at `/oidc` on the
 * gateway's port (docs/adr/0018). Authorization code with PKCE only, one public client (the console),
 * access tokens as JWTs for the API's audience carrying role, dept and window, signed with the same
 * local key file as `npm run token` so the authorizer verifies both with one key.
 */
export const MOUNT = '/oidc';
export const CONSOLE_CLIENT_ID = 'console';
/** The resource indicator of the API; its tokens' audience is the configured AUTH_AUDIENCE. */
export const API_RESOURCE = 'urn:one-window:api';

export interface LocalOidcOptions {
  /** `http://127.0.0.1:<port>/oidc` */
  issuer: string;
  audience: string;
  /** The private auth key (ES256, with kid) from infra/local/keys.ts. */
  signingKey: JWK;
  demoPassword: string;
}

export interface LocalOidc {
  issuer: string;
  /** Handles a request under MOUNT (the gateway passes it on unchanged). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

function consoleClient(issuer: string) {
  const origin = new URL(issuer).origin;
  const origins = [origin, origin.replace('127.0.0.1', 'localhost')];
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: '统一收费工作台',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: origins.map((o) => `${o}/console/callback`),
    post_logout_redirect_uris: origins.map((o) => `${o}/console/`),
    id_token_signed_response_alg: 'ES256',
  };
}

function configuration(opts: LocalOidcOptions): Record<string, unknown> {
  return {
    clients: [consoleClient(opts.issuer)],
    jwks: { keys: [{ ...opts.signingKey, use: 'sig', alg: 'ES256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name', 'role', 'dept', 'window'] },
    // The console shows who is signed in from the ID token; no userinfo round trip.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => {
      const account = findDemoAccount(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, name: account.name, ...roleClaims(account) }) };
    },
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string; kind: string }) => {
      const account = token.accountId ? findDemoAccount(token.accountId) : undefined;
      return token.kind === 'AccessToken' && account ? roleClaims(account) : undefined;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${MOUNT}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string }, form: string) => {
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: (ctx: { body: string }) => {
          ctx.body = loggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          audience: opts.audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 60 * 60,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    renderError: (ctx: { type: string; body: string }, out: { error_description?: string; error?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error_description ?? out.error ?? '未知错误');
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  };
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((done, fail) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy();
    });
    req.once('end', () => done(new URLSearchParams(body)));
    req.once('error', fail);
  });
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

export function createLocalOidc(opts: LocalOidcOptions): LocalOidc {
  const provider = new Provider(opts.issuer, configuration(opts));
  const callback = provider.callback();

  async function login(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const account = checkPassword(username, form.get('password') ?? '', opts.demoPassword);
    if (!account)
      return sendHtml(res, 401, loginPage({ action: `${MOUNT}/interaction/${uid}/login`, username, failed: true }));
    // First-party client: the staff member's sign-in is the consent (openid, profile and the API).
    const grant = new provider.Grant({ accountId: account.username, clientId: String(details.params.client_id) });
    grant.addOIDCScope('openid profile');
    grant.addResourceScope(API_RESOURCE, 'api');
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.username }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
    if (!m) return false;
    const uid = m[1]!;
    if (req.method === 'POST' && m[2]) await login(req, res, uid);
    else if (req.method === 'GET' && !m[2]) {
      await provider.interactionDetails(req, res); // an unknown or expired interaction throws
      sendHtml(res, 200, loginPage({ action: `${MOUNT}/interaction/${uid}/login` }));
    } else return false;
    return true;
  }

  return {
    issuer: opts.issuer,
    async handle(req, res) {
      const full = req.url ?? '/';
      const path = full.slice(MOUNT.length) || '/';
      try {
        if (await interaction(req, res, path.split('?')[0]!)) return;
      } catch {
        return sendHtml(res, 400, errorPage('登录会话已过期或无效，请回到工作台重新登录。'));
      }
      // As Express mounts it: the provider routes on the path below its mount, and builds its URLs
      // from originalUrl (lib/helpers/oidc_context.js).
      Object.assign(req, { originalUrl: full, url: path });
      callback(req, res);
    },
  };
}
