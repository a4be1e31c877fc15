import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

/**
 * `npm run test:e2e` (from the repository root): the React SPA and the API, proven in a real browser.
 * Builds both, starts the API on its own embedded database and the built SPA behind `vite preview`,
 * drives the machine's Chromium headless through playwright-core, and prints "N passed, M failed".
 */

const spaRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(spaRoot, '../..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = path.join(repoRoot, 'screenshots', 'spa-e2e');

/**
 * Without the background-networking flags Chromium keeps dialling Google services, which a closed
 * network refuses; none of them matter to a test. playwright-core adds --headless and a fresh profile.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function sh(command: string, args: string[], cwd: string): void {
  console.log(`$ ${command} ${args.join(' ')}  (in ${path.relative(repoRoot, cwd) || '.'})`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

function prepare(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium was not found at ${chromiumPath}. Install Debian's package: apt-get update && apt-get install -y chromium ` +
        '(or set CHROMIUM_PATH). Never `npx playwright install`: this test uses the system browser.',
    );
  }
  if (!existsSync(path.join(spaRoot, 'node_modules', '.package-lock.json'))) {
    sh('npm', ['ci', '--no-audit', '--no-fund'], spaRoot);
  }
  sh('npm', ['run', 'build'], spaRoot);
  sh('npm', ['run', 'build'], repoRoot);
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
}

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((error) => console.error('cleanup:', error));
  };
  const onSignal = () => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    prepare();
    // Imported only now: `npm ci` above is what installs playwright-core.
    const { chromium } = await import('playwright-core');
    const { startStack } = await import('./stack');
    const { scenarios } = await import('./scenarios');

    console.log('\nStarting three APIs, each with its own database and SPA preview: proxied (15 min and 3 s access tokens) and cross-origin…');
    const stackStarts = [
      startStack({ spaRoot, accessTokenTtl: '15m', spa: 'proxied', label: 'default' }),
      startStack({ spaRoot, accessTokenTtl: '3s', spa: 'proxied', label: 'short-ttl' }),
      startStack({ spaRoot, accessTokenTtl: '15m', spa: 'cross-origin', label: 'cross-origin' }),
    ];
    const settled = await Promise.allSettled(stackStarts);
    for (const result of settled) if (result.status === 'fulfilled') cleanup.push(result.value.stop);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const [stack, shortLivedStack, crossOriginStack] = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));

    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    cleanup.push(() => browser.close());
    console.log(`Chromium ${browser.version()} (${chromiumPath})\n`);

    for (const scenario of scenarios) {
      try {
        await scenario.run({ browser, stack: stack!, shortLivedStack: shortLivedStack!, crossOriginStack: crossOriginStack!, screenshots });
        passed += 1;
        console.log(`✓ ${scenario.name}`);
      } catch (error) {
        failed += 1;
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        // Playwright's messages carry terminal colours; a CI log wants plain text.
        console.log(`✗ ${scenario.name}\n    ${stripVTControlCharacters(detail)}`);
      }
    }
    console.log(`\nScreenshots: ${path.relative(repoRoot, screenshots)}/`);
  } catch (error) {
    failed += 1;
    console.error(`\nThe end-to-end run could not start: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await stopAll();
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
