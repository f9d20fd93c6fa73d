import { createPrivateKey, createPublicKey } from 'node:crypto';
import { DomainError } from '../../shared/domain/errors';
import type { PaymentProvider } from '../ports';
import { AlipayProvider } from './alipay';

/**
 * The payment provider as the orders context's wiring builds it (and, through ./index.ts, the
 * payments context's refunds). It imports the provider's SDK, which only the orders functions load
 * with their code: the payments function loads it on its first refund of an online payment.
 */
export interface ProviderSettings {
  gateway: string | undefined;
  appId: string;
  privateKey: string | undefined;
  publicKey: string | undefined;
  notifyBaseUrl: string | undefined;
}

export type ConfiguredProvider = PaymentProvider & {
  settlementFileUrl(date: string): Promise<string>;
};

const notConfigured = (): never => {
  throw new DomainError('provider-unconfirmed', 'No payment provider is configured');
};

/** Without a gateway and both keys, every provider call is refused (no order can be paid). */
const unconfigured: ConfiguredProvider = {
  name: 'alipay',
  acknowledgement: 'success',
  payUrl: notConfigured,
  query: async () => notConfigured(),
  close: async () => notConfigured(),
  refund: async () => notConfigured(),
  settlementFileUrl: async () => notConfigured(),
  verifyNotification: () => undefined,
};

/** A PEM, or the bare base64 body the provider's console hands out, as PEM. */
const pem = (key: string, type: 'PRIVATE KEY' | 'PUBLIC KEY') =>
  key.includes('-----BEGIN') ? key : `-----BEGIN ${type}-----\n${key.replace(/\s+/g, '')}\n-----END ${type}-----`;

/** Both keys parse (a deployed stack's secret holds a placeholder until the operator writes real keys). */
function usableKeys(privateKey: string, publicKey: string): boolean {
  try {
    createPrivateKey(pem(privateKey, 'PRIVATE KEY'));
    createPublicKey(pem(publicKey, 'PUBLIC KEY'));
    return true;
  } catch {
    return false;
  }
}

export function paymentProvider(s: ProviderSettings): ConfiguredProvider {
  if (!s.gateway || !s.privateKey || !s.publicKey || !usableKeys(s.privateKey, s.publicKey)) return unconfigured;
  return new AlipayProvider({
    appId: s.appId,
    privateKey: s.privateKey,
    alipayPublicKey: s.publicKey,
    gateway: s.gateway,
    notifyUrl: `${s.notifyBaseUrl ?? ''}/v1/payment-providers/alipay/notifications`,
  });
}
