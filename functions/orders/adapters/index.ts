import type { ConfiguredProvider, ProviderSettings } from './provider';

export { orderSucceededItem } from './ordersTable';
export type { ProviderSettings } from './provider';

/**
 * The orders context's published adapters: an online payment's move to `succeeded` in its payment's
 * transaction, and the refund of an online payment through the provider that took the money (for
 * the payments context's wiring).
 *
 * The provider's module, with its SDK (≈ 700 KiB bundled: alipay-sdk, urllib, undici), is loaded on
 * the first refund, not when the payments function starts: every counter payment's cold start paid
 * for it before (`npm run bench:coldstart`), for a path a few refunds a day take.
 */
export function onlineRefunds(settings: ProviderSettings) {
  let provider: Promise<ConfiguredProvider> | undefined;
  const load = () =>
    (provider ??= import('./provider')
      .then((m) => m.paymentProvider(settings))
      .catch((e: unknown) => {
        provider = undefined; // a failed load is tried again by the next refund
        throw e;
      }));
  return async (r: { bankRef: string; refundId: string; amount: number }): Promise<void> => {
    await (await load()).refund(r);
  };
}
