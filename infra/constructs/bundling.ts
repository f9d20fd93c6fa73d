/**
 * How every Lambda bundle is built: the one definition that the CDK stack (NodejsFunction bundling)
 * and the cold-start benchmark (esbuild called directly) both translate, so the benchmark measures
 * the bundles the stack deploys. No CDK import here: the benchmark loads this without aws-cdk-lib.
 */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export const LAMBDA_BUNDLE = {
  /** esbuild target matching the runtime's Node major. */
  target: 'node24',
  platform: 'node',
  format: 'esm',
  minify: true,
  /** A source map beside the bundle for decoding stack traces offline (see sourceMapsAtRuntime). */
  sourcemap: true,
  /**
   * ESM bundles of CommonJS dependencies call `require` for Node built-ins; ESM has none, so the
   * banner defines one. Same text as the CDK docs' recipe.
   */
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  /** Prefer the ESM entry of packages that ship both (smaller, tree-shakable). */
  mainFields: ['module', 'main'],
  /**
   * Nothing external: the AWS SDK is bundled rather than taken from the runtime, so the deployed code
   * runs the SDK version the lock file pins and tests ran against, and esbuild drops what we do not use.
   */
  external: [] as string[],
} as const;

/**
 * `--enable-source-maps` makes Node parse the whole map when the module loads, which costs cold-start
 * time on every invocation environment; we keep maps in the asset and decode offline instead.
 */
export const sourceMapsAtRuntime = false;

/** The esbuild options for one entry, as NodejsFunction's CLI flags amount to. */
export function esbuildOptionsFor(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    target: LAMBDA_BUNDLE.target,
    platform: LAMBDA_BUNDLE.platform,
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    banner: { js: LAMBDA_BUNDLE.banner },
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    external: [...LAMBDA_BUNDLE.external],
    logLevel: 'warning' as const,
  };
}
