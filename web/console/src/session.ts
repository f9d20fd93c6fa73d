import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

/**
 * Who is signed in (docs/adr/0018): OpenID Connect authorization code with PKCE (oidc-client-ts).
 * Tokens and the sign-in state live in sessionStorage (gone with the tab), never localStorage. The
 * role, department and window are read from the access token, the very claims the API's authorizer
 * reads. Sign-out ends the provider's session too; an expired token signs the staff member in again.
 */
export type Role = 'admin' | 'finance' | 'department' | 'clerk' | 'auditor';
export interface Staff {
  sub: string;
  name: string;
  role: Role;
  dept?: string;
  window?: string;
}

interface ConsoleConfig {
  /** null: the local OpenID Provider on this origin (`/oidc`). */
  authority: string | null;
  clientId: string;
  scope?: string;
}

let managerPromise: Promise<UserManager> | undefined;

export function userManager(): Promise<UserManager> {
  managerPromise ??= (async () => {
    const base = `${location.origin}${import.meta.env.BASE_URL}`;
    const cfg = (await (await fetch(`${base}config.json`, { cache: 'no-store' })).json()) as ConsoleConfig;
    const store = new WebStorageStateStore({ store: sessionStorage });
    return new UserManager({
      authority: cfg.authority ?? `${location.origin}/oidc`,
      client_id: cfg.clientId,
      redirect_uri: `${base}callback`,
      post_logout_redirect_uri: base,
      response_type: 'code',
      scope: cfg.scope ?? 'openid profile api',
      userStore: store,
      stateStore: store,
      loadUserInfo: false,
      automaticSilentRenew: false,
    });
  })();
  return managerPromise;
}

function claimsOf(accessToken: string): Record<string, unknown> {
  const payload = accessToken.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

function staffOf(user: User): Staff {
  const c = claimsOf(user.access_token);
  return {
    sub: String(c.sub),
    name: String(user.profile.name ?? c.sub),
    role: c.role as Role,
    dept: typeof c.dept === 'string' ? c.dept : undefined,
    window: typeof c.window === 'string' ? c.window : undefined,
  };
}

export const useSession = defineStore('session', () => {
  const user = ref<User | null>(null);
  const expired = ref(false);
  const staff = computed(() => (user.value ? staffOf(user.value) : null));

  async function load(): Promise<void> {
    const mgr = await userManager();
    const u = await mgr.getUser();
    user.value = u && !u.expired ? u : null;
    mgr.events.addAccessTokenExpired(() => {
      expired.value = true;
      user.value = null;
      void mgr.removeUser();
    });
  }

  async function signIn(returnTo: string): Promise<void> {
    await (await userManager()).signinRedirect({ state: returnTo });
  }

  /** The provider's redirect back: exchanges the code (with the PKCE verifier) and says where to go. */
  async function completeSignIn(): Promise<string> {
    const u = await (await userManager()).signinRedirectCallback();
    user.value = u;
    expired.value = false;
    return typeof u.state === 'string' ? u.state : '/';
  }

  async function signOut(): Promise<void> {
    const mgr = await userManager();
    // signoutRedirect removes the stored tokens itself before it leaves for the provider. Clearing
    // `user` here first would re-render the screen signed out, whose API calls answer 401, whose
    // sign-in redirect then raced this one and, the provider session still alive, came straight back.
    await mgr.signoutRedirect({ id_token_hint: user.value?.id_token });
  }

  /** The API said 401: the token expired or was revoked. */
  function lost(): void {
    expired.value = true;
    user.value = null;
    void userManager().then((m) => m.removeUser());
  }

  const accessToken = () => user.value?.access_token;
  return { user, staff, expired, load, signIn, completeSignIn, signOut, lost, accessToken };
});
