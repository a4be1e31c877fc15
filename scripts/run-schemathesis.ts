import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApi } from '../tests/support/api-process';

/**
 * npm run test:fuzz: Schemathesis, an outside fuzzer that knows nothing but the OpenAPI document, against
 * a freshly started API (through tsx, on a fresh embedded database), twice:
 *   1. unauthenticated, with every check (`--checks all`);
 *   2. authenticated: every request to an operation that takes credentials first logs in as one of the
 *      users registered for the run, and carries that session's access token as Bearer and its refresh token
 *      as the cookie (scripts/schemathesis_auth.py), so every operation is exercised signed in, however
 *      many sessions the fuzzer's own logouts and revocations end.
 * Exit code 0 only when both runs end with no failure and no error. Bounded: `--max-examples` per
 * operation (100 by default: about two minutes in all), and each run is killed after RUN_LIMIT_MS.
 *
 *   npm run test:fuzz                      a random seed, printed, so a failure can be replayed
 *   npm run test:fuzz -- --seed 42 --max-examples 300
 *
 * Schemathesis comes from PyPI into a virtual environment in .fuzz/venv (git-ignored), made on first use,
 * with every package pinned in scripts/schemathesis-requirements.txt.
 */

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.fuzz', 'venv');
const SCHEMATHESIS = path.join(VENV, 'bin', 'schemathesis');
const REQUIREMENTS = path.join(ROOT, 'scripts', 'schemathesis-requirements.txt');
const RUN_LIMIT_MS = 8 * 60 * 1000;

/**
 * Checks left out, each with its reason. None: both runs pass `--checks all` as it is. Add an entry here
 * only for a check that is wrong about this API, with the reason, and never for a real finding.
 */
const EXCLUDED_CHECKS: Array<{ check: string; reason: string }> = [];

interface Options {
  seed: number;
  maxExamples: number;
}

function parseOptions(argv: string[]): Options {
  const valueOf = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const value = valueOf(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got ${value}`);
    return Number(value);
  };
  return { seed: number('--seed', randomInt(2 ** 31)), maxExamples: number('--max-examples', 100) };
}

/** The pinned version from the requirements file, so the check below and the file cannot disagree. */
function pinnedVersion(): string {
  const pin = /^schemathesis==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'));
  if (!pin) throw new Error(`${REQUIREMENTS} does not pin schemathesis`);
  return pin[1]!;
}

/** Makes .fuzz/venv and installs the pinned packages, unless the pinned Schemathesis is there already. */
function ensureSchemathesis(): void {
  const wanted = pinnedVersion();
  const installed = existsSync(SCHEMATHESIS) ? execFileSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' }) : '';
  if (installed.includes(`version ${wanted}`)) return;
  console.log(`installing schemathesis ${wanted} into ${path.relative(ROOT, VENV)}`);
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: 'inherit' });
}

/** Every limiter off (0), for this run only: no fuzzer request is refused with 429. */
const RATE_LIMITS_OFF = {
  RATE_LIMIT_LOGIN_PER_IP: '0',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '0',
  RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '0',
  RATE_LIMIT_REGISTER_PER_IP: '0',
  RATE_LIMIT_REFRESH_PER_IP: '0',
};

/** The authenticated run logs in once per request: argon2 at its cheapest keeps that from dominating the run. */
const CHEAP_HASHING = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' };

/** Users the authenticated run logs in as, in turn (see scripts/schemathesis_auth.py for why several). */
const FUZZ_USERS = 50;

/** Registers the run's users, all with one password (so the password-change parameters fit each of them). */
async function registerFuzzUsers(baseUrl: string): Promise<{ emails: string[]; password: string }> {
  const password = `fuzz-${randomBytes(12).toString('hex')}`;
  const emails: string[] = [];
  for (let i = 0; i < FUZZ_USERS; i += 1) {
    const email = `fuzz-${randomBytes(6).toString('hex')}@example.com`;
    const res = await fetch(`${baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 201) throw new Error(`could not register a fuzz user: ${res.status} ${await res.text()}`);
    emails.push(email);
  }
  return { emails, password };
}

/** TOML strings are JSON strings for what is written here (printable ASCII). */
const toml = (value: string) => JSON.stringify(value);

/**
 * What counts as refusing schema-violating data: Schemathesis's own list, plus 413. A generated body
 * larger than BODY_LIMIT (10 kB; long strings that also break maxLength) is refused before it is parsed,
 * with the documented 413 PAYLOAD_TOO_LARGE: a refusal as much as a 400 is. A CI run found one (seed
 * 628258300, on register) and counted it as "schema-violating request accepted".
 */
const NEGATIVE_DATA_REJECTION = `negative_data_rejection = { expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"] }`;

/**
 * Schemathesis would otherwise find register and login in the document and sign in by itself. And one
 * narrow allowance, for registration only: a password can satisfy the documented schema and still be on
 * the breached-password list (400 WEAK_PASSWORD, documented), a rule no JSON Schema can state, so a
 * schema-valid registration may get that 400. The positive-data check keeps its other expectations.
 * Registration repeats the negative-data expectations, so that its own checks table cannot hide them.
 */
const NO_AUTO_SIGNUP = `[auth]
auto-signup = false

[checks]
${NEGATIVE_DATA_REJECTION}

[[operations]]
include-path = "/api/v1/auth/register"
checks = { positive_data_acceptance = { expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"] }, ${NEGATIVE_DATA_REJECTION} }
`;

function anonymousConfig(): string {
  return NO_AUTO_SIGNUP;
}

/** The sign-in itself is scripts/schemathesis_auth.py: a fresh login for every request that takes credentials. */
function authenticatedConfig(password: string): string {
  return `${NO_AUTO_SIGNUP}
# A password change needs the current password, which a fuzzer cannot guess: outside the documented
# examples (which the examples and coverage phases send as they are), it always gets the real one, and
# that same one as the new password, so the next login still works. The fields are still mutated and
# left out, for the 400s.
[[operations]]
include-path = "/api/v1/users/me/password"
parameters = { "body.currentPassword" = ${toml(password)}, "body.newPassword" = ${toml(password)} }
`;
}

interface RunResult {
  name: string;
  exitCode: number | null;
  passed: number;
  failed: number;
}

/** Schemathesis's JUnit report: one test case per operation, plus the stateful scenarios. */
function countJunit(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const suites = /<testsuites[^>]*\berrors="(\d+)"[^>]*\bfailures="(\d+)"[^>]*\btests="(\d+)"/.exec(readFileSync(file, 'utf8'));
  if (!suites) return { passed: 0, failed: 1 };
  const [errors, failures, tests] = suites.slice(1).map(Number) as [number, number, number];
  return { passed: tests - errors - failures, failed: errors + failures };
}

function runSchemathesis(name: string, configFile: string, url: string, options: Options, workDir: string, env: Record<string, string>): Promise<RunResult> {
  const junit = path.join(workDir, `${name}.xml`);
  const args = [
    '--config-file', configFile,
    'run', `${url}/api/v1/openapi.json`,
    '--checks', 'all',
    ...(EXCLUDED_CHECKS.length > 0 ? ['--exclude-checks', EXCLUDED_CHECKS.map(({ check }) => check).join(',')] : []),
    '--max-examples', String(options.maxExamples),
    '--seed', String(options.seed),
    // One worker: the machine is small, and Python 3.11's ast module is not safe across Hypothesis's threads.
    '--workers', '1',
    '--no-color',
    '--report', 'junit',
    '--report-junit-path', junit,
  ];
  console.log(`\n--- schemathesis, ${name} (seed ${options.seed}, ${options.maxExamples} examples per operation) ---`);
  return new Promise((resolve, reject) => {
    // In the run's own folder, which is deleted afterwards: Schemathesis keeps a cache in its working directory.
    const child = spawn(SCHEMATHESIS, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    forwardLines(child.stdout!, process.stdout);
    forwardLines(child.stderr!, process.stderr);
    const limit = setTimeout(() => {
      console.error(`schemathesis ${name} ran past ${RUN_LIMIT_MS / 60_000} minutes; stopping it`);
      child.kill('SIGKILL');
    }, RUN_LIMIT_MS);
    child.once('error', reject);
    // 'close', not 'exit': by then every line of its output has been forwarded.
    child.once('close', (exitCode) => {
      clearTimeout(limit);
      resolve({ name, exitCode, ...countJunit(junit) });
    });
  });
}

/**
 * Schemathesis's output, line by line, with its closing banner (`==== 1 warning in 18.50s ====`) reworded:
 * CI reads a banner of that shape as pytest's closing line, and one that counts no test as a run that
 * executed none. This script's own `schemathesis: N passed, N failed` line is the count.
 */
function forwardLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    const banner = /^=+ (.+ in [\d.]+s) =+$/.exec(line);
    to.write(`${banner ? `schemathesis finished (${banner[1]})` : line}\n`);
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  for (const { check, reason } of EXCLUDED_CHECKS) console.log(`excluded check ${check}: ${reason}`);
  ensureSchemathesis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-fuzz-db-'));
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-fuzz-'));
  try {
    const api = await startApi({ NODE_ENV: 'development', EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'warn', ...RATE_LIMITS_OFF, ...CHEAP_HASHING });
    const stop = () => void api.stop().finally(() => process.exit(130));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const users = await registerFuzzUsers(api.url);
      const anonymous = path.join(workDir, 'anonymous.toml');
      const authenticated = path.join(workDir, 'authenticated.toml');
      writeFileSync(anonymous, anonymousConfig());
      writeFileSync(authenticated, authenticatedConfig(users.password));
      const results = [
        await runSchemathesis('unauthenticated', anonymous, api.url, options, workDir, {}),
        await runSchemathesis('authenticated', authenticated, api.url, options, workDir, {
          PYTHONPATH: path.join(ROOT, 'scripts'),
          // No __pycache__ next to the hook in the work tree.
          PYTHONDONTWRITEBYTECODE: '1',
          SCHEMATHESIS_HOOKS: 'schemathesis_auth',
          FUZZ_BASE_URL: api.url,
          FUZZ_EMAILS: users.emails.join(','),
          FUZZ_PASSWORD: users.password,
        }),
      ];
      for (const result of results) console.log(`${result.name}: exit code ${result.exitCode}, ${result.passed} passed, ${result.failed} failed`);
      const passed = results.reduce((sum, result) => sum + result.passed, 0);
      const failed = results.reduce((sum, result) => sum + result.failed, 0);
      const ok = results.every((result) => result.exitCode === 0) && failed === 0 && passed > 0;
      // The plain closing line CI reads: operations (and stateful suites) over both runs; a run that
      // ended badly without a failing test case (a crash, a timeout) still counts as one failure.
      const reportedFailed = ok ? 0 : Math.max(failed, 1);
      console.log(`schemathesis: ${passed} passed, ${reportedFailed} failed`);
      if (!ok) console.log(`replay with: npm run test:fuzz -- --seed ${options.seed} --max-examples ${options.maxExamples}`);
      return ok ? 0 : 1;
    } finally {
      await api.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
