import { config } from '../config';

/**
 * Structured JSON logs. Callers pass identifiers and outcomes only: never request bodies, payer
 * names, ID numbers or phones (the HTTP layer logs route, status and timing, not payloads).
 * The level is read from the configuration at each call (a cheap property read), so a reload of
 * the configuration applies at once.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (order[level] < order[config().logLevel]) return;
  process.stdout.write(JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields }) + '\n');
}
