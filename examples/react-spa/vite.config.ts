import react from '@vitejs/plugin-react';
import type { ProxyOptions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The SPA calls the API on its own origin (`/api/...`) and Vite forwards those requests to the API, so the
 * browser sees one origin: host-only cookies just work, no CORS is involved, and the API's CSRF check
 * sees an Origin equal to the Host it receives. That is why changeOrigin stays false: rewriting Host to the
 * API's address would make every same-origin POST look cross-origin to the API.
 *
 * Response headers pass through untouched, Clear-Site-Data included, so the browser applies it to this
 * origin, the SPA's: logout then empties the SPA's storage (proven by the e2e, clear-site-data-scenario.ts).
 * A proxy that dropped it would let nothing fail but that scenario.
 */
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';

const proxy: Record<string, ProxyOptions> = {
  '/api': { target: apiUrl, changeOrigin: false },
};

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, proxy },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
