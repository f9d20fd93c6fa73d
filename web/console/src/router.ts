import { createRouter, createWebHistory, type RouteComponent, type RouteRecordRaw } from 'vue-router';
import type { Role } from './session';
import { useSession } from './session';

/**
 * One screen per route, each its own chunk (loaded when opened). `meta.roles` says who sees it;
 * the menu is built from the same list, so a role never sees a screen it may not open.
 */
declare module 'vue-router' {
  interface RouteMeta {
    roles?: Role[];
    /** i18n key of the menu entry. */
    nav?: string;
    public?: boolean;
  }
}

const screen = (path: string, nav: string, roles: Role[], component: () => Promise<RouteComponent>): RouteRecordRaw => ({
  path,
  component,
  meta: { roles, nav },
});

export const screens: RouteRecordRaw[] = [
  screen('/counter', 'nav.counter', ['clerk'], () => import('./views/clerk/Counter.vue')),
  screen('/window-day', 'nav.windowDay', ['clerk'], () => import('./views/clerk/WindowDay.vue')),
  screen('/notices', 'nav.notices', ['department'], () => import('./views/department/Notices.vue')),
  screen('/notices/new', 'nav.issue', ['department'], () => import('./views/department/IssueNotice.vue')),
  screen('/webhooks', 'nav.webhooks', ['department'], () => import('./views/department/Webhooks.vue')),
  screen('/reconcile', 'nav.reconcile', ['finance'], () => import('./views/finance/Reconcile.vue')),
  screen('/refunds', 'nav.refunds', ['finance'], () => import('./views/finance/Refunds.vue')),
  screen('/orders', 'nav.orders', ['finance'], () => import('./views/finance/Orders.vue')),
  screen('/budget', 'nav.budget', ['finance'], () => import('./views/finance/Budget.vue')),
  screen('/separation', 'nav.separation', ['finance', 'auditor'], () => import('./views/finance/Separation.vue')),
  screen('/trial-balance', 'nav.trialBalance', ['auditor', 'finance'], () => import('./views/auditor/TrialBalance.vue')),
  screen('/transactions', 'nav.transactions', ['auditor', 'finance'], () => import('./views/auditor/Transactions.vue')),
  screen('/day-proofs', 'nav.dayProofs', ['auditor', 'finance'], () => import('./views/auditor/DayProofs.vue')),
  screen('/audit', 'nav.audit', ['auditor'], () => import('./views/auditor/AuditTrail.vue')),
  screen('/departments', 'nav.departments', ['admin'], () => import('./views/admin/Departments.vue')),
  screen('/fee-items', 'nav.feeItems', ['admin'], () => import('./views/admin/FeeItems.vue')),
];

const HOME: Record<Role, string> = {
  clerk: '/counter',
  department: '/notices',
  finance: '/reconcile',
  auditor: '/trial-balance',
  admin: '/departments',
};

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/callback', component: () => import('./views/Callback.vue'), meta: { public: true } },
    { path: '/notices/:noticeNo/print', component: () => import('./views/department/NoticePrint.vue'), meta: { roles: ['department'] } },
    // '/' shows nothing itself: the guard sends each role to its first screen.
    { path: '/', component: { render: () => null } },
    ...screens,
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

let loaded: Promise<void> | undefined;
router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const session = useSession();
  loaded ??= session.load();
  await loaded;
  const staff = session.staff;
  if (!staff) {
    await session.signIn(to.fullPath);
    return false;
  }
  if (to.path === '/' || (to.meta.roles && !to.meta.roles.includes(staff.role))) return HOME[staff.role] ?? '/departments';
  return true;
});
