// One runner, two projects: unit specs sit beside the code; end-to-end specs live under each app's test/.
const fs = require('node:fs');
const path = require('node:path');

const swcConfig = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const libs = fs.readdirSync(path.join(__dirname, 'libs'));
const moduleNameMapper = Object.fromEntries(
  libs.flatMap((lib) => [
    [`^@app/${lib}$`, `<rootDir>/libs/${lib}/src`],
    [`^@app/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`],
  ]),
);

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  // Dependencies published as ES modules only: Jest's module loader requires them only with the
  // experimental VM modules flag, so they are compiled to CommonJS like the project's own code.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@kubernetes-models|kubernetes-models|is-cidr|cidr-regex|content-disposition|jose)/)',
  ],
  resolver: '<rootDir>/test/support/jest-resolver.js',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs}/*/src/**/*.spec.ts',
        '<rootDir>/load-generator/**/*.spec.ts',
        '<rootDir>/fuzz/**/*.spec.ts',
        '<rootDir>/test/*.spec.ts',
      ],
    },
    { ...shared, displayName: 'ops', testMatch: ['<rootDir>/ops/test/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/*/test/**/*.e2e-spec.ts'],
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 60_000,
  // Each test file's modules stay in the worker that ran it, so a worker's heap grows over the run (past
  // the API's 1.5 GiB readiness threshold in a full run). A worker above this after a file is replaced;
  // setting it also keeps Jest from running every file inside its own process on a 2-CPU machine.
  workerIdleMemoryLimit: '1GB',
};
