/**
 * The house's dependency rules (docs/adr/0010-one-layout-for-every-context.md). `npm test` runs
 * them (test/architecture/dependencies.test.ts); a broken rule fails with the offending import named.
 *
 * A context is a folder functions/<context>/ with: domain/ (pure rules and use cases), ports.ts
 * (every interface the domain needs), adapters/ (one per table it owns, and other outward adapters),
 * entry/ (Lambda and CLI entry points), wiring.ts (the composition root: the only module that reads
 * configuration and builds adapters), index.ts (published interface for other contexts' domain and
 * wiring) and adapters/index.ts (published storage interface for other contexts' adapters).
 * functions/shared/ is the kernel every context may use: domain/, adapters/, config.ts, wiring.ts.
 */
const PURE = '^functions/[^/]+/(domain/|ports\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'runtime-code-never-imports-infra',
      comment: 'infra/ holds the CDK app and the local stack; the contract they share lives in schemas/.',
      severity: 'error',
      from: { path: '^(functions|schemas)/' },
      to: { path: '^infra/' },
    },
    {
      name: 'schemas-are-data',
      comment: 'schemas/ (the contract) reads only the kernel\'s pure modules, never a context or an adapter.',
      severity: 'error',
      from: { path: '^schemas/' },
      to: { path: '^functions/', pathNot: '^functions/shared/domain/' },
    },
    {
      name: 'domain-imports-no-adapter',
      comment: 'Domain code and ports are pure: no adapter, entry point, wiring or configuration.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^functions/[^/]+/(adapters/|entry/|wiring\\.ts$|config\\.ts$)' },
    },
    {
      name: 'domain-imports-no-aws-or-http',
      comment: 'Domain code and ports name no AWS SDK, Lambda runtime, middy or HTTP/file/network module.',
      severity: 'error',
      from: { path: PURE },
      to: {
        path: '(^|/)node_modules/(@aws-sdk|@middy|aws-lambda|@types/aws-lambda)/|^(node:)?(http|https|http2|net|fs|fs/promises|child_process|dgram)$',
      },
    },
    {
      name: 'contexts-meet-only-through-published-interfaces',
      comment:
        'Another context is reached through its index.ts (domain, wiring) or adapters/index.ts (adapters), nothing else.',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: {
        path: '^functions/[^/]+/',
        pathNot: ['^functions/$1/', '^functions/shared/', '^functions/[^/]+/(adapters/)?index\\.ts$'],
      },
    },
    {
      name: 'domain-meets-other-contexts-only-through-index',
      comment: 'A domain uses another context\'s published domain interface, never its storage interface.',
      severity: 'error',
      from: { path: '^functions/([^/]+)/(domain/|ports\\.ts$)' },
      to: { path: '^functions/[^/]+/adapters/index\\.ts$', pathNot: '^functions/$1/' },
    },
    {
      name: 'the-kernel-knows-no-context',
      severity: 'error',
      from: { path: '^functions/shared/' },
      to: { path: '^functions/', pathNot: '^functions/shared/' },
    },
    {
      name: 'configuration-is-read-only-by-wiring',
      comment: 'One place per context turns configuration into objects. (The logger reads its level itself.)',
      severity: 'error',
      from: { path: '^functions/', pathNot: '^functions/([^/]+/wiring|shared/wiring|shared/adapters/log|shared/config)\\.ts$' },
      to: { path: '^functions/shared/config\\.ts$' },
    },
    {
      name: 'only-wiring-uses-the-kernel-wiring',
      comment: 'Adapters take their client and table name through the constructor; a wiring module hands them over.',
      severity: 'error',
      from: { path: '^functions/', pathNot: '^functions/([^/]+/wiring|shared/wiring)\\.ts$' },
      to: { path: '^functions/shared/wiring\\.ts$' },
    },
    {
      name: 'entry-points-get-adapters-from-wiring',
      comment: 'Entry points stay thin: they take what the wiring built (the shared HTTP adapter and logger excepted).',
      severity: 'error',
      from: { path: '^functions/[^/]+/entry/' },
      to: { path: '^functions/[^/]+/adapters/', pathNot: '^functions/shared/adapters/(http|log)\\.ts$' },
    },
    {
      name: 'nothing-imports-an-entry-point',
      comment: 'Entry points are leaves: Lambda (or the local stack, or a CLI) calls them.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^functions/[^/]+/entry/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(functions|schemas)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // infra/ is not excluded: an import of it from functions/ or schemas/ must be seen to be refused.
    exclude: { path: '(^|/)(test|bench|web|cdk\\.out|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
