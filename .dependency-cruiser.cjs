// Module boundaries, checked by `npm run lint` (dependency-cruiser): apps build on libs, libs meet only
// through each other's public index, the workflow lib stays deterministic, the domain stays free of
// transport and worker plumbing, reports its metrics and spans through the observability library, and
// the observability library knows no domain.
const DOMAIN_LIBS = 'orders|payments|inventory|shipping|order-saga|webhooks';
const NOT_SPECS = '(?<!\\.spec\\.ts)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'libs-never-import-apps',
      comment: 'Apps depend on libs, never the reverse.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'libs-meet-through-their-index',
      comment:
        'A lib imports another only through `@app/<lib>` (its index.ts, or the tracing entry point of observability), never its files.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: {
        path: '^libs/([^/]+)/',
        pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$', '^libs/observability/src/tracing/index\\.ts$'],
      },
    },
    {
      name: 'libs-import-other-libs-by-alias',
      comment: 'Relative paths into another lib bypass its contract: use the `@app/<lib>` alias.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/$1/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'workflow-code-has-no-side-effects',
      comment:
        'libs/order-saga runs inside the Temporal workflow sandbox: no Node built-ins, no other libs, only the workflow-safe Temporal packages.',
      severity: 'error',
      from: { path: `^libs/order-saga/src/.*${NOT_SPECS}` },
      to: {
        pathNot: ['^libs/order-saga/', '^node_modules/@temporalio/(workflow|common)/'],
      },
    },
    {
      name: 'domain-free-of-transport-and-worker',
      comment: 'Domain libs import neither Fastify nor the Temporal worker.',
      severity: 'error',
      from: { path: `^libs/(${DOMAIN_LIBS})/src/.*${NOT_SPECS}` },
      to: { path: '^node_modules/(fastify|@fastify/|@nestjs/platform-fastify|@temporalio/worker)' },
    },
    {
      name: 'domain-steps-free-of-temporal',
      comment:
        'The saga steps and the payment, inventory and shipping domains throw domain errors; the worker maps them to Temporal failures.',
      severity: 'error',
      from: { path: `^libs/(payments|inventory|shipping|orders/src/saga)/.*${NOT_SPECS}` },
      to: { path: '^node_modules/@temporalio/' },
    },
    {
      name: 'webhooks-know-no-orders',
      comment:
        'Orders write webhook events (orders → webhooks); libs/webhooks is handed the payload query and never imports the order domain.',
      severity: 'error',
      from: { path: '^libs/webhooks/' },
      to: { path: '^libs/(orders|order-saga|payments|inventory|shipping)/' },
    },
    {
      name: 'observability-knows-no-domain',
      comment: 'libs/observability is reusable by any Nest service: it imports no domain lib.',
      severity: 'error',
      from: { path: '^libs/observability/' },
      to: { path: `^libs/(${DOMAIN_LIBS}|database|fault-injection)/` },
    },
    {
      name: 'libs-report-through-observability',
      comment:
        'Libs record metrics and span attributes through @app/observability (InjectMetric, make*Provider, ' +
        'annotateActiveSpan, OperationTelemetry), never prom-client, the Prometheus module or OpenTelemetry directly.',
      severity: 'error',
      from: { path: `^libs/(?!observability/)[^/]+/src/.*${NOT_SPECS}` },
      to: { path: '^node_modules/(prom-client|@willsoto/nestjs-prometheus|@opentelemetry/|nestjs-otel)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'import', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
