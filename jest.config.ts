import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // One embedded FerretDB (or MONGODB_URI) serves the whole run; each test file uses its own database.
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  // Every supertest response is checked against the OpenAPI document (src/openapi/).
  setupFilesAfterEnv: ['<rootDir>/tests/support/openapi-response-check.ts'],
  // The first run may build FerretDB in global setup; the tests themselves hash passwords with argon2id.
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
