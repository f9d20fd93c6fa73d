import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { functions, ORDER_SWEEP_SCHEDULE, type FunctionName } from '../functions';

/** Alipay's production gateway: going live is this, the app id and the two keys (docs/adr/0015). */
export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

/**
 * The payment provider when deployed (docs/adr/0015): one Secrets Manager secret holds the merchant
 * application's id, its RSA private key and the provider's public key (JSON fields `appId`,
 * `privateKey`, `publicKey`); every function that talks to the provider gets them by dynamic
 * reference, resolved at deploy time. Until the operator writes real keys into the secret, the
 * generated placeholder is not a key, and the functions refuse provider calls (no order can be paid).
 * Notifications come back through the distribution's /v1/* (`notifyBaseUrl`). The sweep of open
 * orders runs on ORDER_SWEEP_SCHEDULE.
 */
export function paymentProvider(
  scope: Construct,
  fns: Record<FunctionName, lambda.Function>,
  opts: { notifyBaseUrl: string; gateway?: string },
): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'PaymentProviderKeys', {
    description: 'Payment provider (Alipay) merchant app id, merchant private key, provider public key (docs/adr/0015)',
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ appId: 'unset', publicKey: 'unset' }),
      generateStringKey: 'privateKey',
      passwordLength: 32,
      excludePunctuation: true,
    },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The provider issues these keys; they are rotated at the provider (a new key pair uploaded there) and then written here and deployed, not by a rotation Lambda.',
  });
  for (const name of Object.keys(functions) as FunctionName[]) {
    if (!functions[name].paymentProvider) continue;
    const f = fns[name];
    f.addEnvironment('PAYMENT_PROVIDER_GATEWAY', opts.gateway ?? ALIPAY_GATEWAY);
    f.addEnvironment('PAYMENT_PROVIDER_APP_ID', secret.secretValueFromJson('appId').unsafeUnwrap());
    f.addEnvironment('PAYMENT_PROVIDER_PRIVATE_KEY', secret.secretValueFromJson('privateKey').unsafeUnwrap());
    f.addEnvironment('PAYMENT_PROVIDER_PUBLIC_KEY', secret.secretValueFromJson('publicKey').unsafeUnwrap());
    f.addEnvironment('PAYMENT_NOTIFY_BASE_URL', opts.notifyBaseUrl);
  }
  new events.Rule(scope, 'OrderSweepSchedule', {
    description: `Asks the payment provider about open payment orders ${ORDER_SWEEP_SCHEDULE.description}`,
    schedule: events.Schedule.expression(ORDER_SWEEP_SCHEDULE.expression),
    targets: [new targets.LambdaFunction(fns.orderSweep, { retryAttempts: 0, maxEventAge: Duration.minutes(5) })],
  });
  return secret;
}
