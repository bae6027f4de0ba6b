// Module boundaries, checked by `npm run lint` (dependency-cruiser): apps build on libs, libs meet only
// through each other's public index, the workflow lib stays deterministic, the domain stays free of
// transport and worker plumbing and imports in the direction of its flow (below), apps and libs report
// their metrics and spans through the observability library, and the observability library knows no
// domain.
const DOMAIN_LIBS = 'orders|payments|inventory|shipping|order-saga|webhooks';
const NOT_SPECS = '(?<!\\.spec\\.ts)$';

// The flow of the domain, in the only direction imports may go:
//
//   orders → order-saga, inventory, payments, shipping, webhooks → database, observability
//
// libs/orders places an order and carries it through: it starts the saga defined in libs/order-saga (and
// imports its types), calls the steps the saga takes (inventory, payments, shipping) and writes the
// webhook events (webhooks). The steps know nothing of orders, of the saga or of each other: what they
// need is handed to them. They store through libs/database and report through libs/observability, which
// know no domain. libs/order-saga, the workflow-safe definition, imports no lib at all.
const FLOW_STEPS = 'inventory|payments|shipping|webhooks';

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
      name: 'domain-flow-steps-never-import-orders-the-saga-or-each-other',
      comment:
        'orders → inventory, payments, shipping, webhooks: libs/orders calls the steps, never the reverse. ' +
        'A step imports neither libs/orders, nor libs/order-saga, nor another step; what it needs from an order ' +
        'is handed to it (libs/webhooks, for one, is handed the payload query).',
      severity: 'error',
      from: { path: `^libs/(${FLOW_STEPS})/` },
      to: { path: `^libs/(orders|order-saga|${FLOW_STEPS})/`, pathNot: '^libs/$1/' },
    },
    {
      name: 'domain-flow-order-saga-imports-no-lib',
      comment:
        'orders → order-saga: libs/orders starts the workflow defined in libs/order-saga and imports its types; ' +
        'the definition, its specs included, imports no lib.',
      severity: 'error',
      from: { path: '^libs/order-saga/' },
      to: { path: '^libs/', pathNot: '^libs/order-saga/' },
    },
    {
      name: 'domain-flow-database-and-observability-import-no-domain',
      comment:
        '… → database, observability: the end of the flow. The domain stores through libs/database and reports ' +
        'through libs/observability; neither imports a domain lib.',
      severity: 'error',
      from: { path: '^libs/(database|observability)/' },
      to: { path: `^libs/(${DOMAIN_LIBS})/` },
    },
    {
      name: 'observability-knows-no-database-or-fault-injection',
      comment:
        'libs/observability is reusable by any Nest service: besides no domain lib (domain-flow rules), it imports ' +
        'neither the database lib nor fault injection.',
      severity: 'error',
      from: { path: '^libs/observability/' },
      to: { path: '^libs/(database|fault-injection)/' },
    },
    {
      name: 'report-through-observability',
      comment:
        'Apps and libs record metrics, spans and logs through @app/observability (InjectMetric, make*Provider, ' +
        'getMetricToken, StandaloneMetrics, annotateActiveSpan, OperationTelemetry, AppLogger, AuditLog), never ' +
        'prom-client, the Prometheus module, OpenTelemetry or pino directly; the apps start tracing through @app/observability/tracing ' +
        '(instrumentation.ts). The library itself is exempt, and so are specs, which may build instruments to ' +
        "test against, and the SQL spans of @app/database, built after the fact from TypeORM's query events " +
        '(libs/database/src/query-telemetry.ts).',
      severity: 'error',
      from: {
        path: `^(apps|libs)/[^/]+/src/.*${NOT_SPECS}`,
        pathNot: [
          '^libs/observability/',
          '^apps/worker/src/workflow-tracing\\.ts$',
          '^libs/database/src/query-telemetry\\.ts$',
        ],
      },
      to: {
        path: '^node_modules/(prom-client|@willsoto/nestjs-prometheus|@opentelemetry/[^/]+|nestjs-otel|nestjs-pino|pino|pino-http)/',
      },
    },
    {
      name: 'worker-span-bridge-names-only-opentelemetry-types',
      comment:
        "apps/worker/src/workflow-tracing.ts hands the spans of Temporal's workflow sandbox to the exporter " +
        "@app/observability/tracing started, translating their shape: it names the OpenTelemetry SDK's span types " +
        'and imports nothing else from OpenTelemetry or the metrics packages.',
      severity: 'error',
      from: { path: '^apps/worker/src/workflow-tracing\\.ts$' },
      to: {
        path: '^node_modules/(prom-client|@willsoto/nestjs-prometheus|@opentelemetry/|nestjs-otel)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'fuzz-and-benchmarks-import-no-test-code',
      comment:
        'The fuzzer and the benchmarks are tools of their own: they build on the apps, the libs and their own ' +
        'support code, never on test code (test/ folders, *.spec.ts, *.e2e-spec.ts), which changes with the ' +
        'tests. Their own specs are tests and exempt.',
      severity: 'error',
      from: { path: `^(fuzz|benchmarks)/.*${NOT_SPECS}` },
      to: { path: ['(^|/)test/', '\\.(e2e-)?spec\\.ts$'], pathNot: '^node_modules/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'import', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
