import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs in through the local OpenID Provider's pages the way a browser does (authorization code with
 * PKCE): the login form, then the code exchange. Cookies are carried by hand; redirects followed one
 * by one so a test sees each step.
 */
export interface SignInResult {
  accessToken: string;
  idToken: string;
  /** The answer to the login form's POST (the page when the password was wrong). */
  loginStatus: number;
  loginPage: string;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(gateway: string, challenge: string | undefined, state = 'st'): string {
  const q = new URLSearchParams({
    client_id: 'console',
    redirect_uri: `${gateway}/console/callback`,
    response_type: 'code',
    scope: 'openid profile api',
    state,
  });
  if (challenge) {
    q.set('code_challenge', challenge);
    q.set('code_challenge_method', 'S256');
  }
  return `${gateway}/oidc/auth?${q}`;
}

async function step(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers ?? {}), cookie: jar.header() },
  });
  jar.take(res);
  return res;
}

const absolute = (gateway: string, location: string | null) => new URL(location ?? '', gateway).href;

export async function signInWithPkce(gateway: string, username: string, password: string): Promise<SignInResult> {
  const jar = new CookieJar();
  const { verifier, challenge } = pkcePair();
  const start = await step(jar, authorizeUrl(gateway, challenge));
  const interaction = absolute(gateway, start.headers.get('location'));
  const form = await step(jar, interaction);
  const action = /action="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const login = await step(jar, absolute(gateway, action), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  if (login.status !== 303 && login.status !== 302)
    return { accessToken: '', idToken: '', loginStatus: login.status, loginPage: await login.text() };
  const resumed = await step(jar, absolute(gateway, login.headers.get('location')));
  const callback = new URL(absolute(gateway, resumed.headers.get('location')));
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const tokens = await fetch(`${gateway}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${gateway}/console/callback`,
      client_id: 'console',
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await tokens.json()) as { access_token: string; id_token: string };
  return { accessToken: body.access_token, idToken: body.id_token, loginStatus: login.status, loginPage: '' };
}
