/**
 * The dashboard end to end in a real Chromium (Debian's `chromium` package, driven by playwright-core): connect
 * with the admin key, create a collection, upsert points through the console, browse and filter them, search,
 * project them, generate a per-collection read token and use it in a fresh browser context (it reads, it may not
 * write), find that denial in the audit log, create and download a snapshot, restore the storage from a full
 * snapshot. Every page must load without a
 * console error, a page error or a CSP violation. Screenshots of each page go to `.tmp/dashboard-screenshots/`.
 *
 * The dashboard is built by vite into a temporary directory served through `service.static_content_dir`, so this
 * test always runs the current sources and never races a concurrent `npm run build`.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ENCRYPTED_RUN, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { writeKeysFile } from '../../src/auth/keys-file.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env['QUIVER_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO, '.tmp', 'dashboard-screenshots');
const ADMIN = 'dashboard-e2e-admin-key-0123456789abcdef';
const CITIES = ['Paris', 'Berlin', 'Tokyo', 'Lima'];

/** 40 points in 4 clusters (one per city), so the projection and the search have structure to show. */
function samplePoints(): Array<{ id: number; vector: number[]; payload: Record<string, unknown> }> {
  return Array.from({ length: 40 }, (_, i) => {
    const c = i % 4;
    const vector = [0, 0, 0, 0].map((_, d) => (d === c ? 1 : 0) + ((i * 7 + d * 3) % 10) / 50);
    return { id: i + 1, vector, payload: { city: CITIES[c], n: i + 1, tags: ['sample'] } };
  });
}

interface Watched {
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  readonly problems: string[];
}

/** A page that records every console error, uncaught error and CSP violation. */
async function watchedPage(context: BrowserContext, allowed: readonly RegExp[] = []): Promise<Watched> {
  const problems: string[] = [];
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const text = msg.text();
    if (msg.type() === 'warning' && !/Content Security Policy|CSP/i.test(text)) return;
    if (!allowed.some((re) => re.test(text))) problems.push(`console ${msg.type()}: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}

async function shot(page: Page, name: string): Promise<void> {
  // From the top: a full-page capture of a scrolled page paints the sticky sidebar one viewport tall only.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function openPage(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: title, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

async function connect(page: Page, base: string, credential: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel(/API key or JWT/).fill(credential);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Collections' }).waitFor();
}

/** Sends a request from the Console page and returns the status line. */
async function consoleSend(page: Page, text: string): Promise<string> {
  await openPage(page, 'Console');
  await page.getByLabel('Request').fill(text);
  await page.getByRole('button', { name: /^Send/ }).click();
  const line = page.locator('.status-line');
  await line.waitFor();
  return (await line.textContent()) ?? '';
}

describe('dashboard in Chromium', { timeout: 240_000 }, () => {
  let app: TestApp;
  let base: string;
  let browser: Browser;
  let webDir: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (or set QUIVER_CHROMIUM)`);
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    webDir = tempDir('quiver-web-');
    const vite = join(REPO, 'node_modules', 'vite', 'bin', 'vite.js');
    const built = spawnSync(process.execPath, [vite, 'build', '--config', join(REPO, 'web', 'vite.config.mjs'), '--outDir', webDir, '--emptyOutDir'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(built.status, 0, `vite build failed: ${built.stdout}${built.stderr}`);
    const dir = tempDir();
    const keysFile = join(dir, 'keys.yaml');
    writeKeysFile(keysFile, []);
    app = await startTestApp(
      {
        QDRANT__SERVICE__API_KEY: ADMIN,
        QDRANT__SERVICE__JWT_RBAC: 'true',
        QDRANT__SERVICE__API_KEYS_FILE: keysFile,
        QDRANT__SERVICE__STATIC_CONTENT_DIR: webDir,
        QDRANT__AUDIT__ENABLED: 'true',
        QDRANT__AUDIT__DIR: join(dir, 'audit'),
      },
      {},
      dir,
    );
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  after(async () => {
    await browser?.close();
    await app?.destroy();
    if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  });

  it('drives every page as the admin, then a per-collection read token in a fresh context', async () => {
    const admin = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const { page, problems } = await watchedPage(admin);

    // Connect: the key goes to sessionStorage only, never into the URL.
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('API key or JWT').waitFor();
    await shot(page, '01-connect');
    await connect(page, base, ADMIN);
    assert.ok(!page.url().includes(ADMIN));
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.equal(await page.evaluate("sessionStorage.getItem('quiver.credential')"), ADMIN);

    // Collections: create one with the form.
    const create = page.getByRole('region', { name: 'create collection' });
    await create.getByLabel('Name', { exact: true }).first().fill('demo');
    await create.locator('input[name="vector-size"]').fill('4');
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Created demo' }).waitFor();
    await page.getByRole('table', { name: 'collections' }).getByRole('button', { name: 'demo' }).waitFor();

    // Console: upsert the sample points.
    const upsert = `PUT /collections/demo/points?wait=true\n${JSON.stringify({ points: samplePoints() })}`;
    assert.match(await consoleSend(page, upsert), /HTTP 200/);
    await page.getByRole('complementary', { name: 'history' }).getByText('PUT /collections/demo/points', { exact: false }).waitFor();
    await shot(page, '09-console');

    // Collections again: the new points are counted.
    await openPage(page, 'Collections');
    await page.getByRole('table', { name: 'collections' }).getByRole('cell', { name: '40', exact: true }).first().waitFor();
    await page.getByRole('table', { name: 'collections' }).getByRole('button', { name: 'demo' }).click();
    const details = page.getByRole('region', { name: 'details of demo' });
    await details.getByLabel('Field').fill('city');
    await details.getByRole('button', { name: 'Create index' }).click();
    await details.getByRole('status').filter({ hasText: 'Index on city created' }).waitFor();
    const aliases = page.getByRole('region', { name: 'aliases' });
    await aliases.getByLabel('Alias').fill('demo-latest');
    await aliases.getByRole('button', { name: 'Create alias' }).click();
    await aliases.getByRole('cell', { name: 'demo-latest' }).waitFor();
    await page.getByRole('table', { name: 'collections' }).getByRole('button', { name: 'demo' }).click();
    await page.getByRole('table', { name: 'collections' }).getByRole('button', { name: 'demo' }).click();
    await details.getByRole('cell', { name: 'keyword' }).waitFor();
    assert.equal(await details.getByRole('row').filter({ hasText: 'city' }).getByRole('cell', { name: '40', exact: true }).count(), 1, 'the index counts 40 points');
    await shot(page, '02-collections');

    // Points: browse, then filter on city with the guided condition.
    await openPage(page, 'Points');
    await page.getByRole('table', { name: 'points' }).waitFor();
    await page.getByLabel('point count').filter({ hasText: '40 matching points' }).waitFor();
    await page.getByLabel('condition key').fill('city');
    await page.getByLabel('condition value').fill('Paris');
    await page.getByRole('button', { name: 'Add condition' }).click();
    const filterText = await page.getByLabel('Filter (JSON)').inputValue();
    assert.deepEqual(JSON.parse(filterText), { must: [{ key: 'city', match: { value: 'Paris' } }] });
    await page.getByRole('button', { name: 'Scroll' }).click();
    await page.getByLabel('point count').filter({ hasText: '10 matching points' }).waitFor();
    const payloads = await page.getByRole('table', { name: 'points' }).locator('tbody td.mono').allTextContents();
    assert.equal(payloads.length, 10);
    for (const p of payloads) assert.match(p, /"city":"Paris"/);
    // An invalid filter is caught before it is sent.
    await page.getByLabel('Filter (JSON)').fill('{"must": [{"key": "city"}]}');
    await page.getByRole('alert').filter({ hasText: 'exactly one of' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Scroll' }).isDisabled(), true);
    await page.getByLabel('Filter (JSON)').fill(filterText);
    await page.getByRole('table', { name: 'points' }).getByRole('button', { name: '1', exact: true }).click();
    await page.getByRole('region', { name: 'point 1' }).getByText('"Paris"').waitFor();
    await page.getByRole('region', { name: 'point 1' }).getByRole('button', { name: 'Find similar' }).click();
    await page.getByRole('region', { name: 'similar points' }).getByRole('row').nth(10).waitFor();
    await shot(page, '03-points');

    // Search: by vector, with the equivalent calls.
    await openPage(page, 'Search');
    await page.locator('textarea[name="vector"]').fill('[1, 0, 0, 0]');
    await page.locator('input[name="limit"]').fill('5');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('table', { name: 'results' });
    await results.getByRole('row').nth(5).waitFor();
    assert.equal(await results.locator('tbody tr').count(), 5);
    for (const p of await results.locator('tbody td.mono').allTextContents()) assert.match(p, /"city":"Paris"/);
    const snippet = (await page.locator('pre.code').textContent()) ?? '';
    assert.match(snippet, /curl -X POST '.*\/collections\/demo\/points\/query'/);
    await page.getByRole('button', { name: 'Python' }).click();
    assert.match((await page.locator('pre.code').textContent()) ?? '', /client\.query_points\(/);
    await shot(page, '04-search');

    // Visualize: 40 dots, coloured by city.
    await openPage(page, 'Visualize');
    await page.getByRole('button', { name: 'Project' }).click();
    await page.locator('svg.plot circle').nth(39).waitFor();
    await page.getByLabel('colour by').selectOption('city');
    assert.equal(await page.locator('svg.plot circle').count(), 40);
    assert.equal(new Set(await page.locator('svg.plot circle').evaluateAll((cs) => cs.map((c) => c.getAttribute('fill')))).size, 4);
    await shot(page, '05-visualize');

    // Access tokens: a read token for demo, signed by the server.
    await openPage(page, 'Access tokens');
    const generator = page.getByRole('region', { name: 'JWT generator' });
    await generator.getByLabel('Per collection').check();
    await generator.getByLabel('grant 1 collection').fill('demo');
    await generator.getByLabel('grant 1 access').selectOption('r');
    await generator.locator('input[name="subject"]').fill('e2e-reader');
    await generator.getByRole('button', { name: 'Generate token' }).click();
    const tokenBox = generator.locator('textarea[name="issued-token"]');
    await tokenBox.waitFor();
    const token = await tokenBox.inputValue();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    assert.deepEqual(claims.access, [{ collection: 'demo', access: 'r' }]);
    assert.equal(claims.subject, 'e2e-reader');
    assert.ok(claims.exp > Date.now() / 1000 + 3000 && claims.exp < Date.now() / 1000 + 3700);
    await shot(page, '06-access-tokens');

    // Named keys: created (shown once), usable, revoked.
    const named = page.getByRole('region', { name: 'named API keys' });
    await named.locator('input[name="key-name"]').fill('ci-ui');
    await named.getByRole('button', { name: 'Create key' }).click();
    const keyBox = named.locator('input[name="created-key"]');
    await keyBox.waitFor();
    const key = await keyBox.inputValue();
    assert.match(key, /^qvk_/);
    await named.getByRole('cell', { name: 'ci-ui' }).waitFor();
    assert.equal((await app.request('GET', '/collections', undefined, { 'api-key': key })).status, 200);
    await named.getByRole('row').filter({ hasText: 'ci-ui' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await named.getByRole('status').filter({ hasText: 'Revoked ci-ui' }).waitFor();
    assert.equal((await app.request('GET', '/collections', undefined, { 'api-key': key })).status, 401);

    // The token in a new browser context: it reads demo and may not write it.
    const readerContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // The deliberate refusal below is logged by Chromium as a failed resource load; nothing else may be.
    const reader = await watchedPage(readerContext, [/status of 403/]);
    await connect(reader.page, base, token);
    const nav = await reader.page.getByRole('navigation', { name: 'pages' }).getByRole('link').allTextContents();
    assert.ok(!nav.includes('Access tokens') && !nav.includes('Audit') && !nav.includes('Service'), `nav for a read token: ${nav.join(', ')}`);
    assert.equal(await reader.page.getByRole('region', { name: 'create collection' }).count(), 0);
    assert.equal(await reader.page.getByRole('button', { name: 'Delete' }).count(), 0);
    await reader.page.getByRole('link', { name: 'Connection' }).click();
    await reader.page.getByLabel('identity').getByText('demo: read').waitFor();
    await shot(reader.page, '10-token-identity');
    await reader.page.getByRole('link', { name: 'Back to the dashboard' }).click();
    assert.match(await consoleSend(reader.page, 'POST /collections/demo/points/count {"exact": true}'), /HTTP 200/);
    assert.match((await reader.page.locator('pre.response').textContent()) ?? '', /"count": 40/);
    assert.match(await consoleSend(reader.page, 'PUT /collections/demo/points?wait=true {"points": [{"id": 99, "vector": [1, 1, 1, 1]}]}'), /HTTP 403/);
    assert.match((await reader.page.locator('pre.response').textContent()) ?? '', /Write access to collection demo is required/);
    await shot(reader.page, '11-token-denied');
    assert.deepEqual(reader.problems, []);
    await readerContext.close();
    const count = await app.request('POST', '/collections/demo/points/count', { exact: true }, { 'api-key': ADMIN });
    assert.equal(count.body.result.count, 40, 'the refused upsert changed nothing');

    // Audit: the denial, found by subject and result; the chain verifies.
    await openPage(page, 'Audit');
    await page.getByLabel('chain verification').getByText('Hash chain verifies').waitFor();
    await page.getByLabel('subject', { exact: true }).fill('e2e-reader');
    await page.getByLabel('result').selectOption('denied');
    await page.getByRole('button', { name: 'Query' }).click();
    const entries = page.getByRole('table', { name: 'audit entries' });
    await entries.getByText('upsert_points').waitFor();
    assert.equal(await entries.locator('tbody tr').count(), 1);
    assert.match((await entries.locator('tbody tr').textContent()) ?? '', /Forbidden: Write access to collection demo is required/);
    await shot(page, '07-audit');

    // Snapshots: create one, download it.
    await openPage(page, 'Snapshots');
    const snapshots = page.getByRole('region', { name: 'collection snapshots' });
    await snapshots.getByRole('button', { name: 'Create snapshot' }).click();
    await snapshots.getByRole('status').filter({ hasText: 'Snapshot created' }).waitFor();
    const row = snapshots.getByRole('table', { name: 'snapshots' }).locator('tbody tr').first();
    await row.getByRole('button', { name: 'Download' }).waitFor();
    const name = ((await row.locator('td.mono').textContent()) ?? '').trim();
    assert.match(name, /^demo-.*\.snapshot$/);
    const [downloaded] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(downloaded.suggestedFilename(), name);
    const path = await downloaded.path();
    const bytes = readFileSync(path);
    const direct = await app.app.inject({ method: 'GET', url: `/collections/demo/snapshots/${name}`, headers: { 'api-key': ADMIN } });
    assert.ok(bytes.equals(direct.rawPayload), 'the browser saved the snapshot byte for byte');
    assert.ok(bytes.length > 1024, `snapshot of ${bytes.length} bytes`);
    // With encryption at rest (QUIVER_TEST_ENCRYPTION=1) a snapshot is a sealed stream around the archive.
    if (ENCRYPTED_RUN) assert.equal(bytes.subarray(0, 6).toString('latin1'), 'QVSTR1', 'the download is a sealed snapshot');
    else assert.equal(bytes.subarray(257, 262).toString('latin1'), 'ustar', 'the download is a tar archive');
    // Recover from it: the dashboard downloads the snapshot and uploads it to the recovery endpoint.
    await app.request('POST', '/collections/demo/points/delete?wait=true', { points: [1, 2, 3] }, { 'api-key': ADMIN });
    await row.getByRole('button', { name: 'Recover' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await snapshots.getByRole('status').filter({ hasText: `Recovered demo from ${name}` }).waitFor();
    const recovered = await app.request('POST', '/collections/demo/points/count', { exact: true }, { 'api-key': ADMIN });
    assert.equal(recovered.body.result.count, 40, 'the recovery restored the deleted points');

    // Full storage: create a full snapshot, lose a collection, restore the storage from the snapshot on the
    // running server (confirmation typed, replacing the collections that still exist).
    const full = page.getByRole('region', { name: 'full snapshots' });
    await full.getByRole('button', { name: 'Create full snapshot' }).click();
    await full.getByRole('status').filter({ hasText: 'Full snapshot created' }).waitFor();
    assert.equal((await app.request('DELETE', '/collections/demo', undefined, { 'api-key': ADMIN })).status, 200);
    await full.getByRole('table', { name: 'snapshots' }).locator('tbody tr').first().getByRole('button', { name: 'Recover' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('replace existing collections').check();
    await dialog.getByLabel('confirmation').fill('restore');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await full.getByRole('status').filter({ hasText: /^Restored the storage from full-snapshot-/ }).waitFor();
    const restored = await app.request('POST', '/collections/demo/points/count', { exact: true }, { 'api-key': ADMIN });
    assert.equal(restored.body.result.count, 40, 'the full restore brought the deleted collection back');
    await shot(page, '08-snapshots');

    // Service: version and the charts from /metrics.
    await openPage(page, 'Service');
    await page.getByLabel('service summary').getByText('0.1.0').waitFor();
    await page.getByRole('img', { name: 'Requests per second' }).locator('polyline').waitFor({ timeout: 15_000 });
    // Per-collection sizes from /telemetry: points, vectors and the bytes they hold.
    const sizes = page.getByRole('table', { name: 'collection sizes' }).locator('tbody tr').filter({ hasText: 'demo' });
    await sizes.waitFor();
    const cells = (await sizes.locator('td').allTextContents()).map((t) => t.trim());
    assert.deepEqual(cells.slice(0, 3), ['demo', '40', '40'], cells.join(' | '));
    assert.match(cells[3] ?? '', /^\d+(\.\d+)? (B|KiB)$/, `vector data: ${cells[3]}`);
    await shot(page, '12-service');

    assert.deepEqual(problems, []);
    await admin.close();
  });
});
