import { describeGateway } from './support/gateway-contract';
import { findTraefik, renderTraefikExample, startTraefik, TRAEFIK_EXAMPLE } from './support/traefik-gateway';

/**
 * Traefik with the documented configuration (examples/gateways/traefik.yml): ForwardAuth asks verify
 * before every request to the app (the contract: tests/support/gateway-contract.ts). Traefik sends verify
 * the API's own host, so the API lists the gateway's origin in CORS_ORIGINS, as INTEGRATION.md says.
 */
describeGateway('Traefik ForwardAuth in front of an app (examples/gateways/traefik.yml)', findTraefik(), 'scripts/build-traefik.sh', {
  exampleFile: TRAEFIK_EXAMPLE,
  apiEnv: (gatewayUrl) => ({ CORS_ORIGINS: gatewayUrl }),
  start: (traefik, addresses) => startTraefik(traefik, renderTraefikExample(addresses), addresses.listenPort),
});
