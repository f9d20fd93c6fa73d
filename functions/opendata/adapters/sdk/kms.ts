/** See ./lambda.ts: the KMS exports the key deriver uses, and nothing else of the client. */
export { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
