import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/** The staff console, served at `/console/` (web/build.ts builds it into web/dist/console/). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [vue()],
  build: { outDir: '../dist/console', emptyOutDir: false, sourcemap: false },
});
