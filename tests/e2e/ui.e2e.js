#!/usr/bin/env node
// End-to-end browser test of the web UI: a real `risklab serve` on a free port with a fresh
// SQLite database, driven by playwright-core in Debian's headless Chromium (never a downloaded
// browser). An analyst signs in, finds and scores a statement, overrides the recommendation
// with a rationale and a reason code, signs out; a data steward records an outcome; a risk
// officer verifies the audit trail; a model developer snapshots the data, starts retraining and
// follows its progress, and cannot approve his own model (the page says so, the server answers
// 403); the risk officer approves and promotes it, and the scoring page names the new version. Every page is checked for CSP violations, script errors and axe-core
// accessibility violations, and photographed.
//
// Environment: RISKLAB_BINARY (the risklab build), RISKLAB_SOURCE_DIR (the repository),
// RISKLAB_E2E_OUT (work and screenshot directory), RISKLAB_SCREENSHOTS (where the screenshots
// go; docs/screenshots to refresh the committed ones).
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const source = process.env.RISKLAB_SOURCE_DIR || path.resolve(__dirname, '../..');
const binary = process.env.RISKLAB_BINARY || path.join(source, 'build/dev/risklab');
const out = process.env.RISKLAB_E2E_OUT || fs.mkdtempSync(path.join(os.tmpdir(), 'risklab-e2e-'));
const shots = process.env.RISKLAB_SCREENSHOTS || path.join(out, 'screenshots');
const { chromium } = require(path.join(source, 'node_modules/playwright-core'));
const axeSource = fs.readFileSync(path.join(source, 'node_modules/axe-core/axe.min.js'), 'utf8');

const PASSWORD = 'e2e-password-' + process.pid;
const work = fs.mkdtempSync(path.join(out, 'run-'));
const db = 'sqlite://' + path.join(work, 'risklab.db');
const lake = 'file://' + path.join(work, 'lake');
const problems = [];

function step(text) {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${text}`);
}

function risklab(args, env = {}) {
  const result = spawnSync(binary, ['--db', db, '--lake', lake, ...args], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300000,
  });
  if (result.status !== 0) {
    throw new Error(`risklab ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

function referenceLines() {
  return fs.readFileSync(path.join(source, '../shared/data/taiwan_bankruptcy.csv'), 'utf8').split('\n');
}

// The first `rows` companies of the reference data.
function referenceSlice(rows) {
  const file = path.join(work, 'e2e.csv');
  fs.writeFileSync(file, referenceLines().slice(0, rows + 1).join('\n') + '\n');
  return file;
}

// Ten more companies as a browser uploads them; `broken` puts a word where a number belongs.
function newCompaniesCsv(broken) {
  const lines = referenceLines();
  const rows = lines.slice(601, 611);
  if (broken) rows[2] = rows[2].replace(/,[^,]*$/, ',abc');
  return Buffer.from([lines[0], ...rows].join('\n') + '\n');
}

function prepare() {
  step('preparing a database, a model and accounts');
  risklab(['init'], { RISKLAB_ADMIN_PASSWORD: PASSWORD });
  const data = referenceSlice(600);
  risklab(['import', data, '--label', 'Bankrupt?']);
  risklab(['ml', 'train', '--data', data, '--label', 'Bankrupt?', '--out', path.join(work, 'model.rlm'),
           '--trees', '25']);
  risklab(['models', 'register', path.join(work, 'model.rlm')]);
  // Four-eyes: a different person than the one who registered it approves, then promotes.
  risklab(['models', 'approve', '1', '--note', 'e2e: approved by a second person'], { USER: 'e2e-officer' });
  risklab(['models', 'promote', '1'], { USER: 'e2e-officer' });
  risklab(['users', 'add', 'ana', '--roles', 'analyst', '--name', 'Ana Analyst'], { RISKLAB_PASSWORD: PASSWORD });
  risklab(['users', 'add', 'rita', '--roles', 'risk_officer', '--name', 'Rita Officer'], { RISKLAB_PASSWORD: PASSWORD });
  risklab(['users', 'add', 'dora', '--roles', 'data_steward', '--name', 'Dora Steward'], { RISKLAB_PASSWORD: PASSWORD });
  // A model developer who also holds the risk-officer role: the role is there, the four eyes
  // are not, so he still cannot approve the model he trained.
  risklab(['users', 'add', 'max', '--roles', 'model_developer,risk_officer', '--name', 'Max Developer'],
          { RISKLAB_PASSWORD: PASSWORD });
}

async function signIn(page, base, where, user) {
  await page.goto(base + where);
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(base + where), page.click('button[type=submit]')]);
}

function serve() {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--db', db, '--lake', lake, 'serve', '--port', '0'],
                        { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error('risklab serve did not start:\n' + log)), 60000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      fs.appendFileSync(path.join(work, 'serve.log'), chunk);
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (match && !child.port) {
        child.port = Number(match[1]);
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`risklab serve exited ${code}:\n${log}`)));
  });
}

// axe-core on the page (serious and critical WCAG 2.1 A/AA findings fail the test), then a
// screenshot called `name` (none when `name` is null).
async function check(page, name, label = name) {
  await page.evaluate(axeSource);  // CDP evaluation: not subject to the page's CSP
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const violation of result.violations) {
    if (violation.impact !== 'serious' && violation.impact !== 'critical') {
      console.log(`  note: ${label}: axe ${violation.id} (${violation.impact}): ${violation.help}`);
    } else {
      problems.push(`${label}: axe ${violation.id} (${violation.impact}): ${violation.help} — ` +
                    violation.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
    }
  }
  if (!name) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

function expect(condition, message) {
  if (!condition) throw new Error('expectation failed: ' + message);
}

async function main() {
  prepare();
  const server = await serve();
  const base = `http://127.0.0.1:${server.port}`;
  step(`risklab serve on ${base}`);
  let context;
  try {
    // A fresh profile each run (launchPersistentContext owns --user-data-dir).
    context = await chromium.launchPersistentContext(path.join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-dev-shm-usage'],
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
      // A refused form answers 422 by design (the page shows why); anything else is a problem.
      if (msg.type() === 'error' && !/status of 422/.test(msg.text())) {
        problems.push(`console: ${msg.text()} (${msg.location().url})`);
      }
    });
    page.on('pageerror', (error) => problems.push('page error: ' + error.message));

    step('a visitor is sent to the log-in page');
    await page.goto(base + '/score');
    expect(page.url().startsWith(base + '/login?next='), 'redirected to /login, got ' + page.url());
    await check(page, 'login');

    step('the analyst signs in and lands where she wanted to go');
    await page.fill('#username', 'ana');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(base + '/score'), page.click('button[type=submit]')]);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.waitForURL(base + '/');
    expect((await page.textContent('#statements')).trim() === '600', 'the overview shows 600 statements');
    expect(await page.locator('nav a[href="/audit"]').count() === 0, 'no audit link for an analyst');
    await check(page, null, 'overview (empty)');

    step('she imports a CSV with an error (nothing changes), then the corrected one');
    await page.getByRole('link', { name: 'Portfolio' }).click();
    await page.setInputFiles('#pf-file', { name: 'new-companies.csv', mimeType: 'text/csv', buffer: newCompaniesCsv(true) });
    await page.click('summary:has-text("Columns and dataset")');
    await page.fill('#pf-label', 'Bankrupt?');
    await page.click('button:has-text("Import")');
    await page.locator('#import-problems').waitFor();
    const problemText = await page.textContent('#import-problems');
    expect(/'abc' is not a finite number/.test(problemText), 'the problem says why: ' + problemText);
    expect(await page.locator('#import-problems td', { hasText: /^4$/ }).count() === 1, 'the problem names line 4');
    await check(page, 'portfolio-import-error', 'portfolio (refused import)');
    await page.setInputFiles('#pf-file', { name: 'new-companies.csv', mimeType: 'text/csv', buffer: newCompaniesCsv(false) });
    await page.click('summary:has-text("Columns and dataset")');
    await page.fill('#pf-label', 'Bankrupt?');
    await page.click('button:has-text("Import")');
    await page.locator('.flash', { hasText: 'Imported 10 statements and 10 outcomes' }).waitFor();
    await check(page, 'portfolio');

    step('she searches a statement (htmx) and scores it');
    await page.getByRole('link', { name: 'Scoring' }).click();
    await page.fill('#q', 'e2e:12');
    await page.locator('#statement-results td', { hasText: 'e2e:120' }).first().waitFor();
    await check(page, 'scoring');
    await Promise.all([
      page.waitForURL(/\/assessments\/\d+$/),
      page.locator('#statement-results tbody tr').first().getByRole('button', { name: /Score statement/ }).click(),
    ]);
    await page.locator('canvas[data-drawn="1"]').waitFor();  // app.js and Chart.js ran under the CSP
    const recommendation = (await page.textContent('#recommendation')).trim();
    const grade = (await page.textContent('#grade')).trim();
    step(`PD ${(await page.textContent('#pd')).trim()}, grade ${grade}, model says ${recommendation}`);
    await check(page, 'assessment');

    step('she overrides the recommendation with a rationale and a reason code');
    const against = recommendation === 'approve' ? 'decline' : 'approve';
    await page.check(`input[name=decision][value=${against}]`);
    await page.click('button:has-text("Record decision")');
    await page.locator('#decision-error').waitFor();  // an override needs its reasons
    await page.selectOption('#reason_code', 'collateral');
    await page.fill('#rationale', 'Fully secured by a first-rank mortgage on the premises.');
    await page.click('button:has-text("Record decision")');
    await page.locator('.flash', { hasText: 'Override recorded' }).waitFor();
    expect(await page.locator('#decision-result .badge-warning').count() === 1, 'the override is shown');
    await check(page, 'decision');

    step('she signs out');
    await page.click('button:has-text("Sign out")');
    await page.locator('.flash', { hasText: 'You are signed out' }).waitFor();

    step('a data steward records an outcome and sees it queued for the lake');
    await page.goto(base + '/ground-truth');
    await page.fill('#username', 'dora');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(base + '/ground-truth'), page.click('button[type=submit]')]);
    await page.fill('#gt-company', 'e2e:12');
    await page.check('input[name=defaulted][value="1"]');
    await page.fill('#gt-note', 'Insolvency filing at the district court.');
    await page.click('button:has-text("Record outcome")');
    await page.locator('.flash', { hasText: 'recorded for e2e:12' }).waitFor();
    await check(page, 'ground-truth');
    await page.click('button:has-text("Sign out")');

    step('the risk officer verifies the audit trail');
    await page.goto(base + '/audit');
    await page.fill('#username', 'rita');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(base + '/audit'), page.click('button[type=submit]')]);
    expect(await page.locator('td', { hasText: 'decision.override' }).count() >= 1, 'the decision is audited');
    await page.click('#verify-button');
    await page.locator('#verify-ok').waitFor();
    await check(page, 'audit');

    await page.click('button:has-text("Sign out")');

    step('a model developer freezes the labelled data into a snapshot');
    await signIn(page, base, '/snapshots', 'max');
    await page.fill('#s-note', 'e2e: after the new companies and the outcome');
    await page.click('#create-snapshot');
    await page.locator('#snapshot-error', { hasText: 'dataset' }).waitFor();  // two datasets: which one?
    await page.fill('#s-dataset', 'e2e');
    await page.click('#create-snapshot');
    await page.locator('.flash', { hasText: 'frozen' }).waitFor();
    await page.click('#verify-snapshot');
    await page.locator('.flash', { hasText: 'Verified' }).waitFor();
    await check(page, 'snapshot');

    step('he starts retraining on it and follows the progress');
    await Promise.all([page.waitForURL(/\/training\?snapshot=/), page.click('#train-on-snapshot')]);
    await page.fill('#t-trees', '60');
    await page.click('#start-training');
    await page.locator('.flash', { hasText: 'queued' }).waitFor();
    await page.locator('#training-jobs progress').first().waitFor();
    await check(page, 'training', 'retraining (in progress)');
    await page.locator('#training-jobs a[href^="/models/"]').first().waitFor({ timeout: 180000 });  // htmx polling
    expect((await page.textContent('#training-jobs')).includes('succeeded'), 'the job succeeded');
    await Promise.all([page.waitForURL(/\/models\/\d+$/), page.locator('#training-jobs a[href^="/models/"]').first().click()]);
    const modelUrl = page.url();
    const version = (await page.textContent('h1 code')).trim();
    await page.locator('canvas[data-drawn="1"]').first().waitFor();  // ROC and calibration charts

    step('he cannot approve his own model: the page says so and the server refuses');
    await page.locator('#four-eyes-blocked').waitFor();
    expect(await page.locator('#approve-model').count() === 0, 'no approve button for the trainer');
    const token = await page.getAttribute('input[name=csrf_token]', 'value');
    const forced = await page.request.post(modelUrl + '/approve', { form: { csrf_token: token, note: 'mine' } });
    expect(forced.status() === 403, 'the server refuses the trainer with 403, got ' + forced.status());
    await check(page, 'model-four-eyes', 'model (trainer)');
    await page.click('button:has-text("Sign out")');

    step(`the risk officer approves and promotes ${version}`);
    await signIn(page, base, new URL(modelUrl).pathname, 'rita');
    await page.fill('#approve-note', 'Validation report reviewed: AUC and calibration hold on the holdout.');
    await page.click('#approve-model');
    await page.locator('.flash', { hasText: 'approved by rita' }).waitFor();
    await page.click('#promote-model');
    await page.locator('.flash', { hasText: 'is the champion' }).waitFor();
    expect((await page.textContent('#model-status')).trim() === 'champion', 'the model is the champion');
    await check(page, 'model');

    step('the scoring page now scores with the new model version');
    await page.getByRole('link', { name: 'Scoring' }).click();
    expect((await page.textContent('main')).includes(version), 'the scoring page names ' + version);
    await page.getByRole('link', { name: 'Monitoring' }).click();
    await page.locator('#drift-table').waitFor();
    await check(page, 'monitoring');

    step('the overview now shows the scoring, its grade and the override');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('canvas[data-drawn="1"]').waitFor();
    expect(await page.locator('td .badge-warning', { hasText: 'override' }).count() === 1, 'the override is listed');
    await check(page, 'overview');
  } finally {
    if (context) await context.close();
    const exited = new Promise((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) resolve();
      else server.once('exit', resolve);
    });
    server.kill('SIGTERM');
    await exited;
  }
  if (problems.length) {
    throw new Error('problems found:\n  ' + problems.join('\n  '));
  }
  fs.rmSync(work, { recursive: true, force: true });  // kept only when the test fails
  step(`passed; screenshots in ${shots}`);
}

main().catch((error) => {
  console.error(error.stack || String(error));
  console.error('work directory (server log: serve.log): ' + work);
  process.exit(1);
});
