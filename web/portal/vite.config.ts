import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { VantResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

/**
 * The payer portal, served at `/` (infra/web/build.ts builds it into web/dist/). Vant components are
 * imported per use (the resolver) and their styles by hand in src/main.ts, leaving out the icon
 * font's 28 kB (gzip) of CSS the portal never shows; vue-i18n's legacy
 * API and devtools hooks are compiled out.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [vue(), Components({ resolvers: [VantResolver({ importStyle: false })], dts: false })],
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
  },
  build: { outDir: '../dist', emptyOutDir: false, sourcemap: false },
});
