import { it } from 'vitest';
import { gateway, launch } from './consoleSupport';
it('dbg', async () => {
  const b = await launch();
  const p = await b.newPage();
  p.on('console', (m) => console.log('console:', m.type(), m.text()));
  p.on('pageerror', (e) => console.log('pageerror:', e.stack));
  p.on('response', (r) => console.log('resp:', r.status(), r.url().slice(0, 120)));
  await p.goto(gateway() + '/console/');
  await new Promise((r) => setTimeout(r, 3000));
  console.log('URL', p.url());
  console.log((await p.content()).slice(0, 600));
  await b.close();
});
