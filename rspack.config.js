// The Nest CLI's rspack build (`nest build`), with one setting of ours: ORDERS_BUILD_DIR puts the compiled
// apps in another folder than dist/ (a test builds the images' code once, apart from any other build).
// The folder must sit inside the repository, so the compiled code finds node_modules.
const path = require('node:path');

module.exports = (options) =>
  process.env.ORDERS_BUILD_DIR
    ? { ...options, output: { ...options.output, path: path.resolve(process.env.ORDERS_BUILD_DIR) } }
    : options;
