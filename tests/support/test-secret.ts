/** The JWT secret every test API signs with, in-process (test-app.ts) or as a process (api-process.ts). */
export const TEST_SECRET = 'test-access-secret-that-is-at-least-32-bytes-long';
