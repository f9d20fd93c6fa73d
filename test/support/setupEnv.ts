import { inject } from 'vitest';
import { tableEnvVar, TABLE_NAMES } from '../../schemas/tables';

// Integration tests call domain code and DynamoDB adapters in the worker: point them at the run's stack.
process.env.DYNAMODB_ENDPOINT = inject('dynamodbEndpoint');
process.env.LOCAL_KEY_DIR = inject('keyDir');
// Publications in the worker write the files the stack's gateway serves, and start the stack's publisher.
process.env.OPEN_DATA_FILES_DIR = inject('openDataFilesDir');
process.env.LAMBDA_ENDPOINT = inject('lambdaEndpoint');
process.env.OPEN_DATA_PUBLISHER_FUNCTION = 'publisher';
process.env.AWS_REGION ??= 'local';
process.env.LOG_LEVEL ??= 'warn';
// The orders context built in a worker talks to the run's sandbox provider with the stack's keys.
Object.assign(process.env, inject('providerEnv'));
for (const t of TABLE_NAMES) process.env[tableEnvVar(t)] ??= t;
