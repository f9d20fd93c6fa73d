import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The cold-start baseline (b): a Lambda module that does nothing but construct a DynamoDB document
 * client at import. Every function of ours needs at least this, so the goal compares against it.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => ({ ok: client !== undefined });
