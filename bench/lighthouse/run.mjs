// Lighthouse's phone on each page named: simulated slow 4G, 4x CPU slowdown
// (its defaults), in Debian's chromium, three runs per page. Prints the
// median of each figure and the bytes the page made the browser download.
//
// Usage: node bench/lighthouse/run.mjs http://127.0.0.1:3400 / /posts/3
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [base, ...paths] = process.argv.slice(2);
const runs = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
try {
  for (const path of paths) {
    const seen = [];
    for (let run = 0; run < runs; run++) {
      const { lhr } = await lighthouse(`${base}${path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility'],
      });
      const audit = (id) => lhr.audits[id].numericValue;
      seen.push({
        bytes: audit('total-byte-weight'),
        fcp: audit('first-contentful-paint'),
        lcp: audit('largest-contentful-paint'),
        tti: audit('interactive'),
        tbt: audit('total-blocking-time'),
        performance: lhr.categories.performance.score,
        accessibility: lhr.categories.accessibility.score,
      });
    }
    const m = (key) => median(seen.map((figures) => figures[key]));
    console.log(
      `${path.padEnd(10)} bytes ${(m('bytes') / 1000).toFixed(1)} KB  FCP ${m('fcp').toFixed(0)} ms  ` +
        `LCP ${m('lcp').toFixed(0)} ms  TTI ${m('tti').toFixed(0)} ms  TBT ${m('tbt').toFixed(0)} ms  ` +
        `performance ${m('performance').toFixed(2)}  accessibility ${m('accessibility').toFixed(2)}  ` +
        `(median of ${runs}; LCP runs: ${seen.map((figures) => figures.lcp.toFixed(0)).join(', ')} ms)`,
    );
  }
} finally {
  await chrome.kill();
}
