/**
 * The few SDK exports an adapter uses, imported by name so the bundler drops the client's other
 * commands; the adapter loads this module with a dynamic import at its first call (a dynamic import
 * of the package itself would keep every export of it in the bundle).
 */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
