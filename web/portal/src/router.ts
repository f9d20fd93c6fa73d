import { createRouter, createWebHistory } from 'vue-router';
import LookupView from './views/LookupView.vue';

/**
 * Page addresses (history mode): infra/web/spaRewrite.js answers each with index.html, in CloudFront
 * and in the local gateway. The look-up is the landing page (a printed notice's QR code opens
 * `/?n=<noticeNo>&c=<checkCode>`), so it is in the entry chunk; every other page loads on demand.
 */
export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', name: 'lookup', component: LookupView },
    { path: '/catalog', name: 'catalog', component: () => import('./views/CatalogView.vue') },
    { path: '/order', name: 'order', component: () => import('./views/OrderView.vue') },
    { path: '/r/:receiptNo', name: 'receipt', component: () => import('./views/ReceiptView.vue') },
    { path: '/verify', name: 'verify', component: () => import('./views/VerifyView.vue') },
    { path: '/open-data', name: 'open-data', component: () => import('./views/OpenDataView.vue') },
    { path: '/open-data/:id', name: 'dataset', component: () => import('./views/DatasetView.vue') },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

// A new page moves focus to its heading, so a screen reader announces it (as a page load would).
// The first page is announced by the browser itself.
let first = true;
router.afterEach(() => {
  if (first) return void (first = false);
  requestAnimationFrame(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) {
      h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: true });
    }
  });
});
