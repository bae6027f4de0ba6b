#!/usr/bin/env node
// Creates (or updates) everything the log data streams need, idempotently:
//   ILM policies → ECS component template → index templates (data streams) → the data streams.
// Usage: ELASTICSEARCH_URL=http://localhost:9200 [ELASTICSEARCH_INDEX_PREFIX=orders] node ops/elasticsearch/bootstrap.js
'use strict';
const path = require('node:path');
const { readFileSync } = require('node:fs');

const load = (file) => JSON.parse(readFileSync(path.join(__dirname, file), 'utf8'));

/** The requests bootstrap sends, in order (exported for tests and dry runs). */
function plan(prefix = 'orders') {
  const streams = { logs: `${prefix}-logs`, audit: `${prefix}-audit` };
  const ecs = `${prefix}-ecs`;
  return {
    policies: Object.entries(streams).map(([kind, name]) => ({
      name,
      policy: load(`ilm-policy.${kind}.json`),
    })),
    componentTemplate: { name: ecs, ...load('component-template.ecs.json') },
    indexTemplates: Object.values(streams).map((name) => ({
      name,
      index_patterns: [`${name}*`],
      data_stream: {},
      composed_of: [ecs],
      priority: 200,
      template: { settings: { 'index.lifecycle.name': name, 'index.number_of_shards': 1 } },
      _meta: { managed_by: 'ops/elasticsearch/bootstrap.js' },
    })),
    dataStreams: Object.values(streams),
  };
}

async function bootstrap(client, prefix = 'orders', log = () => {}) {
  const steps = plan(prefix);
  for (const { name, policy } of steps.policies) {
    await client.ilm.putLifecycle({ name, policy });
    log(`ILM policy ${name}`);
  }
  await client.cluster.putComponentTemplate(steps.componentTemplate);
  log(`component template ${steps.componentTemplate.name}`);
  for (const template of steps.indexTemplates) {
    await client.indices.putIndexTemplate(template);
    log(`index template ${template.name}`);
  }
  for (const name of steps.dataStreams) {
    try {
      await client.indices.createDataStream({ name });
      log(`data stream ${name} created`);
    } catch (error) {
      if (error?.body?.error?.type !== 'resource_already_exists_exception') throw error;
      log(`data stream ${name} already exists`);
    }
  }
}

module.exports = { bootstrap, plan };

if (require.main === module) {
  const { Client } = require('@elastic/elasticsearch');
  const url = process.env.ELASTICSEARCH_URL;
  if (!url) {
    console.error('ELASTICSEARCH_URL is required');
    process.exit(1);
  }
  bootstrap(new Client({ node: url }), process.env.ELASTICSEARCH_INDEX_PREFIX || 'orders', (line) =>
    console.log(line),
  ).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
