import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/** The payer portal, served at `/` (web/build.ts builds it into web/dist/). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [vue()],
  build: { outDir: '../dist', emptyOutDir: false, sourcemap: false },
});
