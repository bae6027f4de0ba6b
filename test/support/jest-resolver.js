// Packages published as ES modules that export only an `import` condition (kubernetes-models) cannot be
// required by Jest's resolver as they stand: resolve them through that condition, and jest.config.js
// compiles them to CommonJS like the rest.
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch (error) {
    if (!options.conditions || options.conditions.includes('import')) throw error;
    return options.defaultResolver(request, { ...options, conditions: [...options.conditions, 'import'] });
  }
};
