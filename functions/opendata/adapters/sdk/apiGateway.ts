/** See ./lambda.ts: the API Gateway exports the usage-plan registry uses, and nothing else of the client. */
export { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand } from '@aws-sdk/client-api-gateway';
