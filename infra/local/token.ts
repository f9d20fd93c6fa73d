import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../schemas/routes';
import { issueLocalToken } from './keys';

/** `npm run --silent token -- --role <role> [--dept D01] [--window W01] [--expires 8h]` */
const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    dept: { type: 'string' },
    window: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '8h' },
  },
});
const role = values.role as Role | undefined;
if (!role || !ROLES.includes(role)) {
  process.stderr.write(`usage: npm run --silent token -- --role <${ROLES.join('|')}> [--dept D01] [--window W01]\n`);
  process.exit(2);
}
if (role === 'department' && !values.dept) {
  process.stderr.write('a department token needs --dept <departmentId>\n');
  process.exit(2);
}
if (role === 'clerk' && !values.window) {
  process.stderr.write('a clerk token needs --window <windowId>\n');
  process.exit(2);
}
// The stack started with DATA_DIR keeps its signing keys there: sign with the key it verifies with.
if (process.env.DATA_DIR) process.env.LOCAL_KEY_DIR ??= join(process.env.DATA_DIR, 'keys');
process.stdout.write(
  (await issueLocalToken({
    role,
    dept: values.dept,
    window: values.window,
    sub: values.sub,
    expiresIn: values.expires,
  })) + '\n',
);
