import type { DocClient } from '../../../functions/shared/adapters/dynamo';
import { documentClient as ddb } from '../../../functions/shared/wiring';

/**
 * A DocClient port that forwards to DynamoDB Local and fails one chosen call: `before` (the request
 * never reaches DynamoDB) or `after` (DynamoDB applied it, but the caller sees an error, as when a
 * response is lost). It also records every command, so tests can see what an attempt tried to write.
 */
export class FaultyClient implements DocClient {
  calls: { name: string; input: any }[] = [];
  fault?: { call: number; when: 'before' | 'after' };

  send = (async (command: { constructor: { name: string }; input: unknown }) => {
    this.calls.push({ name: command.constructor.name, input: command.input });
    const n = this.calls.length;
    const failing = this.fault?.call === n ? this.fault.when : undefined;
    if (failing === 'before')
      throw Object.assign(new Error(`injected failure before call ${n} (${command.constructor.name})`), {
        name: 'InjectedFault',
      });
    const out = await ddb().send(command as never);
    if (failing === 'after')
      throw Object.assign(new Error(`injected failure after call ${n} (${command.constructor.name})`), {
        name: 'InjectedFault',
      });
    return out;
  }) as DocClient['send'];

  reset(fault?: { call: number; when: 'before' | 'after' }) {
    this.calls = [];
    this.fault = fault;
  }
}
