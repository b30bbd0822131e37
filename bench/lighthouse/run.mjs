// Lighthouse's phone on each page named: simulated slow 4G, 4x CPU slowdown
// (its defaults), in Debian's chromium, three runs per page. Prints the
// median of each figure and the bytes the page made the browser download,
// the four category scores, and the security audits of best practices
// (CSP against XSS, clickjacking, origin isolation, Trusted Types) with
// the findings each reports. Exits non-zero when a category scores under
// 1 or the CSP or clickjacking audit reports a high-severity finding.
//
// Usage: node bench/lighthouse/run.mjs http://127.0.0.1:3400 / /posts/3
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [base, ...paths] = process.argv.slice(2);
const runs = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const security = [];
const failures = [];
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
        onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
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
        practices: lhr.categories['best-practices'].score,
        seo: lhr.categories.seo.score,
      });
      if (run === 0) {
        // The same headers every run: read from the first.
        for (const id of ['csp-xss', 'clickjacking-mitigation', 'origin-isolation', 'trusted-types-xss']) {
          const found = lhr.audits[id];
          const items = found?.details?.items ?? [];
          const high = items.filter((item) => /high/i.test(String(item.severity ?? '')));
          security.push(`${path} ${id}: score ${found?.score ?? found?.scoreDisplayMode}, ${items.length} finding(s), ${high.length} high` +
            (items.length ? ` (${items.map((item) => `${item.severity ?? ''}: ${item.description?.value ?? item.description ?? ''}`.trim()).join('; ')})` : ''));
          if (high.length > 0 && (id === 'csp-xss' || id === 'clickjacking-mitigation')) failures.push(`${path} ${id}`);
        }
      }
    }
    const m = (key) => median(seen.map((figures) => figures[key]));
    console.log(
      `${path.padEnd(10)} bytes ${(m('bytes') / 1000).toFixed(1)} KB  FCP ${m('fcp').toFixed(0)} ms  ` +
        `LCP ${m('lcp').toFixed(0)} ms  TTI ${m('tti').toFixed(0)} ms  TBT ${m('tbt').toFixed(0)} ms  ` +
        `performance ${m('performance').toFixed(2)}  accessibility ${m('accessibility').toFixed(2)}  ` +
        `best practices ${m('practices').toFixed(2)}  SEO ${m('seo').toFixed(2)}  ` +
        `(median of ${runs}; LCP runs: ${seen.map((figures) => figures.lcp.toFixed(0)).join(', ')} ms)`,
    );
    for (const key of ['performance', 'accessibility', 'practices', 'seo']) {
      if (m(key) < 1) failures.push(`${path} ${key} ${m(key)}`);
    }
  }
} finally {
  await chrome.kill();
}
for (const line of security) console.log(line);
if (failures.length > 0) {
  console.log(`FAILED lighthouse: ${failures.join(', ')}`);
  process.exitCode = 1;
}
