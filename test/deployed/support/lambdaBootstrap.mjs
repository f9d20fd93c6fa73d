/**
 * The runtime side of a Lambda execution environment, in the function's own Node process: what the
 * managed nodejs runtime does for an ESM handler, reduced to what a bundle can observe. It loads the
 * module the `_HANDLER` setting names from LAMBDA_TASK_ROOT (the unzipped asset; also the working
 * directory), reports an import failure to the Runtime API as an init error, then loops: fetch the
 * next event from the Runtime API (AWS_LAMBDA_RUNTIME_API), await the handler, post the result or the
 * error. test/deployed/support/lambdaRuntime.ts serves that API and starts this file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;

const errorBody = (e) =>
  JSON.stringify({
    errorType: e instanceof Error ? e.name : 'Error',
    errorMessage: e instanceof Error ? e.message : String(e),
    stackTrace: e instanceof Error ? String(e.stack ?? '').split('\n') : [],
  });

const post = (path, body, headers = {}) =>
  fetch(`${api}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

async function loadHandler() {
  const handlerSetting = process.env._HANDLER ?? '';
  const dot = handlerSetting.lastIndexOf('.');
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  // The managed runtime's search order for a module name.
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(root, moduleName + ext)).find((f) => existsSync(f));
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName];
  if (typeof handler !== 'function')
    throw Object.assign(new Error(`${handlerSetting} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  return handler;
}

let handler;
try {
  handler = await loadHandler();
} catch (e) {
  await post('/init/error', errorBody(e), { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' });
  process.exit(1);
}

for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const requestId = next.headers.get('lambda-runtime-aws-request-id');
  const deadline = Number(next.headers.get('lambda-runtime-deadline-ms'));
  const event = await next.json();
  const context = {
    awsRequestId: requestId,
    invokedFunctionArn: next.headers.get('lambda-runtime-invoked-function-arn'),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    await post(`/invocation/${requestId}/response`, JSON.stringify(result ?? null));
  } catch (e) {
    await post(`/invocation/${requestId}/error`, errorBody(e), { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' });
  }
}
