// With one profile (<a.cpuprofile> <requests> <window-end-offset-s> [window-s]), prints its table alone.
// Compares two V8 CPU profiles (node --cpu-prof) of the same load: CPU per request by package, the
// difference first. Usage: node scripts/compare-cpu-profiles.js <a.cpuprofile> <requests> <a-window-end-offset-s>
//                                                               <b.cpuprofile> <requests> <b-window-end-offset-s> [window-s]
const fs = require('node:fs');

function perRequest(file, requests, endOffsetS, windowS) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const to = profile.endTime - endOffsetS * 1e6;
  const from = to - windowS * 1e6;
  const owner = (frame) => {
    const match = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(frame.url);
    if (match) return match[1];
    if (frame.url.startsWith('node:')) return 'node core (JS)';
    if (/\/(apps|libs)\//.test(frame.url)) return 'this application';
    if (frame.url) return 'other';
    const name = frame.functionName || 'native';
    return name.startsWith('(') ? name : `(${name})`;
  };
  const micros = {};
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    if (time < from || time > to) return;
    const key = owner(nodes.get(id).callFrame);
    if (key === '(idle)') return;
    micros[key] = (micros[key] ?? 0) + (profile.timeDeltas[i] ?? 0) / requests;
  });
  return micros;
}

const [aFile, aRequests, aOffset, bFile, bRequests, bOffset, windowS = '20'] = process.argv.slice(2);
const sum = (o) => Object.values(o).reduce((x, y) => x + y, 0);
if (process.argv.length <= 6) {
  // One profile: CPU per request by package, largest first; the fourth argument is then the window.
  const one = perRequest(aFile, Number(aRequests), Number(aOffset), Number(bFile ?? 20));
  console.log('| Where | µs/request |\n| --- | ---: |');
  for (const [key, x] of Object.entries(one)
    .sort((p, q) => q[1] - p[1])
    .filter(([, x]) => x >= 10))
    console.log(`| ${key} | ${x.toFixed(0)} |`);
  console.log(`| **busy CPU in all** | **${sum(one).toFixed(0)}** |`);
  process.exit(0);
}
const a = perRequest(aFile, Number(aRequests), Number(aOffset), Number(windowS));
const b = perRequest(bFile, Number(bRequests), Number(bOffset), Number(windowS));
const rows = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  .map((key) => [key, a[key] ?? 0, b[key] ?? 0])
  .sort((x, y) => y[1] - y[2] - (x[1] - x[2]));
console.log('| Where | A µs/request | B µs/request | A − B |\n| --- | ---: | ---: | ---: |');
for (const [key, x, y] of rows.filter(([, x, y]) => Math.abs(x - y) >= 10))
  console.log(`| ${key} | ${x.toFixed(0)} | ${y.toFixed(0)} | ${(x - y).toFixed(0)} |`);
console.log(
  `| **busy CPU in all** | **${sum(a).toFixed(0)}** | **${sum(b).toFixed(0)}** | **${(sum(a) - sum(b)).toFixed(0)}** |`,
);
