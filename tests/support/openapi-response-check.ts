import type { Response } from 'supertest';
import Test from 'supertest/lib/test';
import { buildOpenApiDocument } from '../../src/openapi/openapi-document';
import { createResponseChecker } from './openapi-conformance';

/**
 * Jest setup (setupFilesAfterEnv): every response any test receives through supertest is checked against
 * the OpenAPI document, so the document and the code cannot drift apart without the suite failing.
 * It observes and never alters: the request goes out and the test sees the response exactly as before.
 * A mismatch fails the test that made the request (or the file, for requests made in beforeAll/afterAll).
 */

const checkResponse = createResponseChecker(buildOpenApiDocument());
let mismatches: string[] = [];
let checked = 0;

/** How many responses this test file has had checked so far (lets a test prove the hook is live). */
export function responsesChecked(): number {
  return checked;
}

/** Hands over the mismatches recorded so far and forgets them, for a test that provokes one on purpose. */
export function takeMismatches(): string[] {
  const taken = mismatches;
  mismatches = [];
  return taken;
}

type Assert = (this: Test, error: unknown, res: Response | undefined, callback: unknown) => void;
const prototype = Test.prototype as unknown as { assert: Assert };
const originalAssert = prototype.assert;

prototype.assert = function observeResponse(this: Test, error, res, callback) {
  if (res) {
    checked += 1;
    const method = (this as unknown as { method: string }).method;
    const path = new URL(this.url).pathname;
    const problems = checkResponse({ method, path, status: res.status, headers: res.headers, body: res.body });
    if (problems.length > 0) {
      const body = JSON.stringify(res.body ?? null).slice(0, 500);
      mismatches.push(`${method} ${path} answered ${res.status} ${body}\n    ${problems.join('\n    ')}`);
    }
  }
  originalAssert.call(this, error, res, callback);
};

function failOnMismatches(): void {
  const found = takeMismatches();
  if (found.length === 0) return;
  const report = found.join('\n  ');
  throw new Error(`Responses that do not match the OpenAPI document (src/openapi/):\n  ${report}`);
}

afterEach(failOnMismatches);
afterAll(failOnMismatches);
