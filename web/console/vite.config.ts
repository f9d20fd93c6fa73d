import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

/**
 * The staff console, served at `/console/` (web/build.ts builds it into web/dist/console/). Element
 * Plus components are imported where a template uses them (with their CSS), and every screen is its
 * own chunk, so the first load stays within the console's JavaScript budget (350 KB gzip).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false })],
  build: { outDir: '../dist/console', emptyOutDir: false, sourcemap: false },
});
